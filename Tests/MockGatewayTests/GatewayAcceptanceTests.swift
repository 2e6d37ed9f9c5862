import Foundation
import MockGateway
import Testing

@Suite struct GatewayAcceptanceTests {
    @Test func acceptsValidNotificationsAndRecordsThemInTheLedger() async throws {
        let fixture = try await GatewayFixture.start()
        // Three valid notifications, one with an 8-byte token (status 5), then two more that must
        // be discarded. All in one write, as a pipelining client sends them.
        let bytes = WireBytes.frame(id: 1, token: WireBytes.token(1))
            + WireBytes.enhanced(id: 2, token: WireBytes.token(2))
            + WireBytes.frame(id: 3, token: WireBytes.token(3), priority: 5)
            + WireBytes.frame(id: 4, token: WireBytes.token(4, length: 8))
            + WireBytes.frame(id: 5) + WireBytes.frame(id: 6)
        let exchange = try await fixture.exchange(bytes)

        #expect(exchange.received == WireBytes.errorResponse(status: 5, id: 4))
        #expect(exchange.error == nil)
        try await fixture.waitUntilConnectionsClosed()
        let statistics = fixture.gateway.statistics()
        #expect(statistics.accepted == 3)
        #expect(statistics.rejected(.invalidTokenSize) == 1)
        #expect(statistics.rejectedTotal == 1)
        #expect(statistics.discardedAfterError == 2)
        #expect(statistics.connectionsTotal == 1)

        let lines = try fixture.ledgerLines()
        #expect(lines.map { $0[2] } == ["1", "2", "3"])
        #expect(lines.map { $0[1] } == ["2", "1", "2"])
        #expect(lines[0][3] == Substring(WireBytes.token(1).map { String(format: "%02x", $0) }.joined()))
        #expect(lines[0][4] == Substring(String(WireBytes.json().count)))

        let entries = try GatewayLedger.entries(at: fixture.ledgerPath)
        #expect(entries.map(\.identifier) == [1, 2, 3])
        #expect(entries.map(\.connection) == [1, 1, 1])
        #expect(entries.allSatisfy { $0.payloadDigest == LedgerEntry.digest(ofPayload: WireBytes.json()) })
        #expect(entries[2].tokenHex == WireBytes.token(3).map { String(format: "%02x", $0) }.joined())
        try await fixture.stop()
    }

    @Test func recordsArrivingAfterTheErrorResponseAreDiscardedAndCounted() async throws {
        let fixture = try await GatewayFixture.start()
        let exchange = try await fixture.exchange(
            chunks: [WireBytes.frame(id: 1) + WireBytes.frame(id: 2, token: []), WireBytes.frame(id: 3), WireBytes.enhanced(id: 4)])
        #expect(exchange.received == WireBytes.errorResponse(status: 2, id: 2))
        #expect(exchange.error == nil)
        try await fixture.waitUntilConnectionsClosed()
        #expect(fixture.gateway.statistics().discardedAfterError == 2)
        #expect(try fixture.ledgerIdentifiers() == [1])
        try await fixture.stop()
    }
}
