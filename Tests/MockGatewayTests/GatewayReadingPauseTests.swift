import MockGateway
import NIOCore
import TestSupport
import Testing

/// The `stopReadingAfter` fault: the gateway stops reading every connection, and with
/// `resumeReadingAfter` reads again after that time.
@Suite struct GatewayReadingPauseTests {
    @Test func aStoppedGatewayReadsNothingUntilItResumes() async throws {
        // Stopped from the first read: even the TLS handshake waits for the resume.
        let fixture = try await GatewayFixture.start(faults: FaultPlan(stopReadingAfter: 0, resumeReadingAfter: .seconds(1)))
        let started = ContinuousClock.now
        let exchange = try await fixture.exchange(WireBytes.frame(id: 1) + WireBytes.frame(id: 2, token: []))
        let waited = ContinuousClock.now - started
        #expect(exchange.received == WireBytes.errorResponse(status: 2, id: 2))
        #expect(waited >= .seconds(1), "the gateway answered after \(waited), before its resume")
        #expect(!fixture.gateway.isReadingStopped)
        #expect(try fixture.ledgerIdentifiers() == [1])
        try await fixture.stop()
    }

    @Test func theStopComesOnceEnoughWasAccepted() async throws {
        let fixture = try await GatewayFixture.start(faults: FaultPlan(stopReadingAfter: 3))
        #expect(!fixture.gateway.isReadingStopped)
        // The first connection reads all it is sent (the count is checked between reads) ...
        let first = try await fixture.exchange((1...3).flatMap { WireBytes.frame(id: UInt32($0)) } + WireBytes.frame(id: 4, token: []))
        #expect(first.received == WireBytes.errorResponse(status: 2, id: 4))
        #expect(fixture.gateway.statistics().accepted == 3)
        // ... and from then on no connection is read: the next one is never even answered.
        await #expect(throws: RawTLSClient.TimedOut.self) {
            try await RawTLSClient.exchange(
                port: fixture.gateway.gatewayPort, context: fixture.pki.clientContext(),
                chunks: [WireBytes.frame(id: 1, token: [])], timeout: .seconds(2))
        }
        #expect(fixture.gateway.isReadingStopped)
        #expect(fixture.gateway.statistics().accepted == 3)
        try await fixture.stop()
    }
}
