import MockGateway
import TestSupport
import Testing

/// Each malformed input gets its documented status (see `GatewayFrameDecoder`), naming the right
/// identifier, after the valid notification before it was accepted.
@Suite struct GatewayParsingTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var bytes: [UInt8]
        var status: UInt8
        var identifier: UInt32
        var testDescription: String { name }
    }

    static let token = WireBytes.token(9)
    static let payload = WireBytes.json()
    static let id7 = WireBytes.item(3, WireBytes.be32(7))

    static let cases: [Case] = [
        Case(name: "frame: zero-length token", bytes: WireBytes.frame(id: 7, token: []), status: 2, identifier: 7),
        Case(name: "frame: no token item", bytes: WireBytes.frame(items: [WireBytes.item(2, payload), id7]), status: 2, identifier: 7),
        Case(name: "frame: 31-byte token", bytes: WireBytes.frame(id: 7, token: WireBytes.token(1, length: 31)), status: 5, identifier: 7),
        Case(name: "frame: 101-byte token", bytes: WireBytes.frame(id: 7, token: WireBytes.token(1, length: 101)), status: 5, identifier: 7),
        Case(name: "frame: no payload item", bytes: WireBytes.frame(items: [WireBytes.item(1, token), id7]), status: 4, identifier: 7),
        Case(name: "frame: empty payload", bytes: WireBytes.frame(id: 7, payload: []), status: 4, identifier: 7),
        Case(name: "frame: 2,049-byte payload", bytes: WireBytes.frame(id: 7, payload: Array(repeating: 0x20, count: 2049)), status: 7, identifier: 7),
        Case(name: "frame: priority 7", bytes: WireBytes.frame(id: 7, priority: 7), status: 128, identifier: 7),
        Case(name: "frame: duplicate token item",
             bytes: WireBytes.frame(items: [WireBytes.item(1, token), WireBytes.item(1, token), WireBytes.item(2, payload), id7]),
             status: 128, identifier: 7),
        Case(name: "frame: unknown item 9",
             bytes: WireBytes.frame(items: [WireBytes.item(1, token), WireBytes.item(2, payload), id7, WireBytes.item(9, [1])]),
             status: 128, identifier: 7),
        Case(name: "frame: 3-byte identifier item",
             bytes: WireBytes.frame(items: [WireBytes.item(1, token), WireBytes.item(2, payload), WireBytes.item(3, [0, 0, 7])]),
             status: 128, identifier: 0),
        Case(name: "frame: item longer than the frame",
             bytes: WireBytes.frame(items: [id7, WireBytes.item(1, token), [2, 0x10, 0x00, 1, 2, 3]]),
             status: 128, identifier: 7),
        Case(name: "frame: no identifier and no token", bytes: WireBytes.frame(items: [WireBytes.item(2, payload)]), status: 2, identifier: 0),
        Case(name: "enhanced: zero-length token", bytes: WireBytes.enhanced(id: 7, token: []), status: 2, identifier: 7),
        Case(name: "enhanced: 33-byte token", bytes: WireBytes.enhanced(id: 7, token: WireBytes.token(1, length: 33)), status: 5, identifier: 7),
        Case(name: "enhanced: empty payload", bytes: WireBytes.enhanced(id: 7, payload: []), status: 4, identifier: 7),
        Case(name: "enhanced: 257-byte payload", bytes: WireBytes.enhanced(id: 7, payload: Array(repeating: 0x20, count: 257)), status: 7, identifier: 7),
        Case(name: "simple: 31-byte token", bytes: WireBytes.simple(token: WireBytes.token(1, length: 31)), status: 5, identifier: 0),
        Case(name: "simple: empty payload", bytes: WireBytes.simple(payload: []), status: 4, identifier: 0),
    ]

    @Test(arguments: cases)
    func malformedInputGetsItsStatus(_ testCase: Case) async throws {
        let fixture = try await GatewayFixture.start()
        let exchange = try await fixture.exchange(WireBytes.frame(id: 1) + testCase.bytes + WireBytes.frame(id: 8))
        #expect(exchange.received == WireBytes.errorResponse(status: testCase.status, id: testCase.identifier))
        try await fixture.waitUntilConnectionsClosed()
        let statistics = fixture.gateway.statistics()
        #expect(statistics.accepted == 1)
        #expect(statistics.rejectedTotal == 1)
        #expect(statistics.discardedAfterError == 1)
        #expect(try fixture.ledgerIdentifiers() == [1])
        try await fixture.stop()
    }

    @Test func largestPayloadsOfEachFormatAreAccepted() async throws {
        let fixture = try await GatewayFixture.start()
        let exchange = try await fixture.exchange(
            WireBytes.frame(id: 1, payload: Array(repeating: 0x20, count: 2048))
                + WireBytes.enhanced(id: 2, payload: Array(repeating: 0x20, count: 256))
                + WireBytes.simple(payload: Array(repeating: 0x20, count: 256))
                + WireBytes.frame(items: [WireBytes.item(1, Self.token), WireBytes.item(2, Self.payload)])
                + WireBytes.frame(id: 9, token: []))
        #expect(exchange.received == WireBytes.errorResponse(status: 2, id: 9))
        let lines = try fixture.ledgerLines()
        #expect(lines.map { $0[1] } == ["2", "1", "0", "2"])
        #expect(lines.map { $0[2] } == ["1", "2", "0", "0"])
        try await fixture.stop()
    }

    @Test func aNotificationSplitIntoSingleBytesIsReassembled() async throws {
        let fixture = try await GatewayFixture.start()
        let chunks = (WireBytes.frame(id: 1) + WireBytes.enhanced(id: 2)).map { [$0] } + [WireBytes.frame(id: 3, token: [])]
        let exchange = try await fixture.exchange(chunks: chunks)
        #expect(exchange.received == WireBytes.errorResponse(status: 2, id: 3))
        #expect(try fixture.ledgerIdentifiers() == [1, 2])
        try await fixture.stop()
    }

    @Test(arguments: [[UInt8]([9, 0, 0, 0, 0]), WireBytes.frame(items: []), [2, 0, 1, 0, 0] + Array(repeating: 0, count: 32)])
    func lostFramingClosesWithoutAWord(_ garbage: [UInt8]) async throws {
        let fixture = try await GatewayFixture.start()
        let exchange = try await fixture.exchange(WireBytes.frame(id: 1) + garbage + WireBytes.frame(id: 2))
        #expect(exchange.received.isEmpty)
        try await fixture.waitUntilConnectionsClosed()
        let statistics = fixture.gateway.statistics()
        #expect(statistics.accepted == 1)
        #expect(statistics.unparseableCloses == 1)
        #expect(statistics.rejectedTotal == 0)
        try await fixture.stop()
    }

    @Test func longTokensAreAcceptedWhenTheRulesAllowThem() async throws {
        let fixture = try await GatewayFixture.start(rules: FrameRules(tokenLengths: 32...100))
        let exchange = try await fixture.exchange(
            WireBytes.frame(id: 1, token: WireBytes.token(1, length: 100)) + WireBytes.frame(id: 2, token: WireBytes.token(1, length: 101)))
        #expect(exchange.received == WireBytes.errorResponse(status: 5, id: 2))
        #expect(try fixture.ledgerIdentifiers() == [1])
        try await fixture.stop()
    }
}
