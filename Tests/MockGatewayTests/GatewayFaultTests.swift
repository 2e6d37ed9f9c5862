import MockGateway
import NIOCore
import TestSupport
import Testing

/// Every fault of the `FaultPlan`, observed by a raw client.
@Suite struct GatewayFaultTests {
    @Test func listedTokensAreRejectedWithStatus8() async throws {
        let fixture = try await GatewayFixture.start(faults: FaultPlan(invalidTokens: [ByteBuffer(bytes: WireBytes.token(5))]))
        let exchange = try await fixture.exchange(
            WireBytes.frame(id: 1, token: WireBytes.token(1)) + WireBytes.frame(id: 2, token: WireBytes.token(5))
                + WireBytes.frame(id: 3, token: WireBytes.token(1)))
        #expect(exchange.received == WireBytes.errorResponse(status: 8, id: 2))
        try await fixture.waitUntilConnectionsClosed()
        #expect(fixture.gateway.statistics().rejected(.invalidToken) == 1)
        #expect(fixture.gateway.statistics().discardedAfterError == 1)
        #expect(try fixture.ledgerIdentifiers() == [1])
        try await fixture.stop()
    }

    @Test func processingErrorsFollowTheRateAndTheSeed() async throws {
        // Rate 1: the first notification fails.
        let always = try await GatewayFixture.start(faults: FaultPlan(processingErrorRate: 1))
        #expect(try await always.exchange(WireBytes.frame(id: 1) + WireBytes.frame(id: 2)).received == WireBytes.errorResponse(status: 1, id: 1))
        try await always.stop()

        // Rate 0.5 over 20 connections of 40 notifications: every connection meets its error
        // within 40 (a miss has probability 2^-40) and not all at the first one. With the same
        // seed a second gateway fails at exactly the same places.
        var runs: [[UInt32]] = []
        for _ in 0..<2 {
            let fixture = try await GatewayFixture.start(faults: FaultPlan(processingErrorRate: 0.5, seed: 42))
            var failedIdentifiers: [UInt32] = []
            for _ in 0..<20 {
                let exchange = try await fixture.exchange((1...40).flatMap { WireBytes.frame(id: UInt32($0)) })
                #expect(exchange.received.count == 6)
                #expect(exchange.received.first == 8 && exchange.received.dropFirst().first == 1)
                failedIdentifiers.append(exchange.received.suffix(4).reduce(0) { $0 << 8 | UInt32($1) })
            }
            try await fixture.waitUntilConnectionsClosed()
            let statistics = fixture.gateway.statistics()
            #expect(statistics.rejected(.processingError) == 20)
            #expect(statistics.accepted == failedIdentifiers.reduce(0) { $0 + Int($1) - 1 })
            #expect(failedIdentifiers.contains { $0 > 1 })
            runs.append(failedIdentifiers)
            try await fixture.stop()
        }
        #expect(runs[0] == runs[1])
    }

    @Test func shutdownAfterNNamesTheLastAcceptedNotification() async throws {
        let fixture = try await GatewayFixture.start(faults: FaultPlan(shutdownAfter: 3))
        let exchange = try await fixture.exchange((11...15).flatMap { WireBytes.frame(id: UInt32($0)) })
        #expect(exchange.received == WireBytes.errorResponse(status: 10, id: 13))
        try await fixture.waitUntilConnectionsClosed()
        let statistics = fixture.gateway.statistics()
        #expect(statistics.shutdownsSent == 1)
        #expect(statistics.rejectedTotal == 0)
        #expect(statistics.discardedAfterError == 2)
        #expect(try fixture.ledgerIdentifiers() == [11, 12, 13])
        try await fixture.stop()
    }

    @Test func abruptCloseAfterNSendsNothing() async throws {
        let fixture = try await GatewayFixture.start(faults: FaultPlan(abruptCloseAfter: 3))
        let exchange = try await fixture.exchange((1...5).flatMap { WireBytes.frame(id: UInt32($0)) })
        #expect(exchange.received.isEmpty)
        // No TLS close_notify: the client sees the stream break, not end.
        #expect(exchange.error?.contains("uncleanShutdown") == true)
        try await fixture.waitUntilConnectionsClosed()
        let statistics = fixture.gateway.statistics()
        #expect(statistics.abruptCloses == 1)
        #expect(statistics.discardedAfterError == 2)
        #expect(try fixture.ledgerIdentifiers() == [1, 2, 3])
        try await fixture.stop()
    }

    @Test func gatewayWideShutdownCountsAcrossConnections() async throws {
        let fixture = try await GatewayFixture.start(faults: FaultPlan(shutdownEvery: 4))
        let first = try await fixture.exchange((1...3).flatMap { WireBytes.frame(id: UInt32($0)) } + WireBytes.frame(id: 4, token: []))
        #expect(first.received == WireBytes.errorResponse(status: 2, id: 4))
        let second = try await fixture.exchange((21...23).flatMap { WireBytes.frame(id: UInt32($0)) })
        #expect(second.received == WireBytes.errorResponse(status: 10, id: 21))
        #expect(try fixture.ledgerIdentifiers() == [1, 2, 3, 21])
        try await fixture.stop()
    }

    @Test func connectionsBeyondTheLimitAreClosedOnArrival() async throws {
        let fixture = try await GatewayFixture.start(faults: FaultPlan(connectionLimit: 1))
        let context = try fixture.pki.clientContext()
        let port = fixture.gateway.gatewayPort
        // The first connection sends a valid notification and stays open.
        let holder = Task { try await RawTLSClient.exchange(port: port, context: context, chunks: [WireBytes.frame(id: 1)]) }
        try await fixture.waitUntil { $0.accepted == 1 }

        let refused = try await fixture.exchange(WireBytes.frame(id: 2))
        #expect(refused.received.isEmpty)
        #expect(fixture.gateway.statistics().connectionsRefusedByLimit == 1)
        #expect(fixture.gateway.statistics().accepted == 1)

        try await fixture.stop()
        _ = try await holder.value
    }

    @Test func readLatencyDelaysButLosesNothing() async throws {
        let fixture = try await GatewayFixture.start(faults: FaultPlan(readLatency: .milliseconds(50)))
        let start = ContinuousClock.now
        let exchange = try await fixture.exchange(WireBytes.frame(id: 1) + WireBytes.frame(id: 2, token: []))
        #expect(ContinuousClock.now - start >= .milliseconds(50))
        #expect(exchange.received == WireBytes.errorResponse(status: 2, id: 2))
        #expect(try fixture.ledgerIdentifiers() == [1])
        try await fixture.stop()
    }

    @Test func probeCanBeAnsweredWithIdentifierZeroLikeTheOldSandbox() async throws {
        let fixture = try await GatewayFixture.start(faults: FaultPlan(missingTokenNamesIdentifierZero: true))
        let exchange = try await fixture.exchange(WireBytes.frame(id: 1) + WireBytes.frame(id: 2, token: []))
        #expect(exchange.received == WireBytes.errorResponse(status: 2, id: 0))
        try await fixture.stop()
    }

    @Test func duplicatesAreCountedByTokenAndPayload() async throws {
        let fixture = try await GatewayFixture.start()
        _ = try await fixture.exchange(
            WireBytes.frame(id: 1) + WireBytes.frame(id: 2) + WireBytes.frame(id: 3, payload: WireBytes.json(#"{"a":1}"#))
                + WireBytes.frame(id: 4, token: []))
        _ = try await fixture.exchange(WireBytes.frame(id: 1) + WireBytes.frame(id: 2, token: []))
        let statistics = fixture.gateway.statistics()
        #expect(statistics.accepted == 4)
        #expect(statistics.duplicates == 2)
        try await fixture.stop()
    }
}

@Suite struct DuplicateTrackingTests {
    @Test func duplicatesAreNotCountedWhenTrackingIsOff() async throws {
        let pki = try GatewayFixture.sharedPKI.get()
        let gateway = try await MockGateway.start(MockGatewayConfiguration(tls: try pki.serverTLS(), tracksDuplicates: false))
        let exchange = try await RawTLSClient.exchange(
            port: gateway.gatewayPort, context: try pki.clientContext(),
            chunks: [WireBytes.frame(id: 1) + WireBytes.frame(id: 2) + WireBytes.frame(id: 3, token: [])])
        #expect(exchange.received == WireBytes.errorResponse(status: 2, id: 3))
        #expect(gateway.statistics().accepted == 2)
        #expect(gateway.statistics().duplicates == 0)
        try await gateway.stop()
    }
}
