import Foundation
import MockGateway
import NIOCore
import TestSupport
import Testing

@Suite struct GatewayLedgerTests {
    /// A token naming its sender and position: `[client, index high, index low, 0xA5 …]`.
    static func token(client: Int, index: Int) -> [UInt8] {
        [UInt8(client), UInt8(index >> 8), UInt8(index & 0xFF)] + Array(repeating: 0xA5, count: 29)
    }

    @Test func ledgerHoldsExactlyTheAcceptedNotificationsOfConcurrentConnections() async throws {
        let clients = 4
        let perClient = 300
        let poisoned = (0..<clients).map { 100 + $0 * 37 }
        let invalid = Set((0..<clients).map { ByteBuffer(bytes: Self.token(client: $0, index: poisoned[$0])) })
        let fixture = try await GatewayFixture.start(faults: FaultPlan(invalidTokens: invalid))
        let context = try fixture.pki.clientContext()
        let port = fixture.gateway.gatewayPort

        let responses = try await withThrowingTaskGroup(of: (Int, [UInt8]).self) { group in
            for client in 0..<clients {
                group.addTask {
                    // Several writes, so the gateway sees many reads and batches.
                    let chunks = stride(from: 0, to: perClient, by: 25).map { start in
                        (start..<min(start + 25, perClient)).flatMap { index in
                            WireBytes.frame(id: UInt32(index + 1), token: Self.token(client: client, index: index))
                        }
                    }
                    let exchange = try await RawTLSClient.exchange(port: port, context: context, chunks: chunks)
                    return (client, exchange.received)
                }
            }
            var responses: [Int: [UInt8]] = [:]
            for try await (client, received) in group { responses[client] = received }
            return responses
        }

        var expected = Set<String>()
        for client in 0..<clients {
            let failedID = UInt32(poisoned[client] + 1)
            #expect(responses[client] == WireBytes.errorResponse(status: 8, id: failedID))
            for index in 0..<poisoned[client] {
                expected.insert("\(index + 1) " + Self.token(client: client, index: index).map { String(format: "%02x", $0) }.joined())
            }
        }
        let lines = try fixture.ledgerLines()
        let recorded = lines.map { "\($0[2]) \($0[3])" }
        #expect(recorded.count == expected.count)
        #expect(Set(recorded) == expected)
        #expect(fixture.gateway.statistics().accepted == expected.count)
        #expect(fixture.gateway.statistics().rejected(.invalidToken) == clients)
        try await fixture.stop()
    }

    /// An error response proves to the client that what preceded it was accepted; a gateway
    /// killed right after (no flush on exit) must not have proven lines that its file lacks.
    @Test func ledgerFileHoldsWhatAnErrorResponseProvesBeforeTheResponseLeaves() async throws {
        let poisoned = 40
        let invalid: Set<ByteBuffer> = [ByteBuffer(bytes: Self.token(client: 9, index: poisoned))]
        let fixture = try await GatewayFixture.start(faults: FaultPlan(invalidTokens: invalid))
        let frames = (0...poisoned).flatMap { WireBytes.frame(id: UInt32($0 + 1), token: Self.token(client: 9, index: $0)) }
        let exchange = try await fixture.exchange(frames)
        #expect(exchange.received == WireBytes.errorResponse(status: 8, id: UInt32(poisoned + 1)))
        // Read the file as it is, without asking the gateway to flush (well under the 256 KiB
        // at which the ledger writes on its own).
        let text = try String(contentsOfFile: fixture.ledgerPath, encoding: .utf8)
        #expect(text.split(separator: "\n").count == poisoned)
        try await fixture.stop()
    }

    @Test func faultPlanFileAppliesTokensFilesAndFeedback() throws {
        let directory = try TestPKI.makeTemporaryDirectory(prefix: "fault-plan")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let tokenA = String(repeating: "ab", count: 32)
        let tokenB = String(repeating: "CD", count: 32)
        try "# bad tokens\n\(tokenB)\n\n".write(toFile: directory + "/bad.txt", atomically: true, encoding: .utf8)
        try "\(tokenA) 1700000000  # gone\n".write(toFile: directory + "/feedback.txt", atomically: true, encoding: .utf8)
        try """
            {"invalidTokens": ["\(tokenA)"], "invalidTokensFile": "bad.txt", "processingErrorRate": 0.25, "seed": 9,
             "shutdownAfter": 10, "abruptCloseEvery": 7, "readLatencyMilliseconds": 3, "connectionLimit": 2,
             "probeIdentifierZero": true, "feedbackFile": "feedback.txt",
             "feedback": [{"token": "\(tokenB)", "timestamp": 5}], "truncateFeedback": true}
            """.write(toFile: directory + "/plan.json", atomically: true, encoding: .utf8)

        let file = try FaultPlanFile.load(path: directory + "/plan.json")
        var faults = FaultPlan()
        var feedback = FeedbackPlan()
        try file.apply(to: &faults)
        try file.apply(to: &feedback)
        #expect(faults.invalidTokens == [ByteBuffer(bytes: HexBytes.parse(tokenA)!), ByteBuffer(bytes: HexBytes.parse(tokenB)!)])
        #expect(faults.processingErrorRate == 0.25 && faults.seed == 9)
        #expect(faults.shutdownAfter == 10 && faults.abruptCloseEvery == 7 && faults.connectionLimit == 2)
        #expect(faults.readLatency == .milliseconds(3))
        #expect(faults.missingTokenNamesIdentifierZero)
        #expect(feedback.tuples.map(\.timestamp) == [5, 1_700_000_000])
        #expect(feedback.truncateLastTuple)
    }

    @Test func badTokenTextIsReportedWithItsSource() throws {
        let directory = try TestPKI.makeTemporaryDirectory(prefix: "fault-plan")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "abcd\nnot-hex\n".write(toFile: directory + "/bad.txt", atomically: true, encoding: .utf8)
        #expect(throws: FaultPlanFile.Problem.self) { _ = try FaultPlanFile.tokens(fromFile: directory + "/bad.txt") }
        do {
            _ = try FaultPlanFile.tokens(fromFile: directory + "/bad.txt")
        } catch {
            #expect("\(error)".contains("bad.txt:2"))
        }
        #expect(HexBytes.parse("0aFf") == [0x0A, 0xFF])
        #expect(HexBytes.parse("abc") == nil)
    }
}
