import Foundation
import JobQueue
import MockGateway
import NIOCore
import PushWorker
import Testing
import TestSupport

/// The worker's HTTP/2 transport against the product's own mock gateway (token authentication,
/// TLS with ALPN h2) and a real PostgreSQL, under the mock's HTTP/2 faults: the database's ledger
/// must match the gateway's.
@Suite("Worker over HTTP/2 against the mock gateway", .serialized)
struct HTTP2MockGatewayEndToEndTests {
    @Test("410s, reasons by rate, GOAWAYs and a flapping stream limit: every token recorded once, the ledgers agree")
    func faultsLedgersAgree() async throws {
        let tokens = (0..<2_000).map { WorkerHarness.token($0, salt: 9) }
        let invalid = stride(from: 30, to: tokens.count, by: 100).map { tokens[$0] }
        let pki = try WorkerHarness.sharedPKI.get()
        var verifier = ProviderTokenVerifier(keys: [:], teamID: pki.pki.tokenKey.teamID)
        verifier.trust(pki.pki.tokenKey)
        let http2 = HTTP2GatewayConfiguration(
            authentication: HTTP2Authentication(mode: .token, tokens: verifier),
            faults: HTTP2FaultPlan(
                maxConcurrentStreams: 100, streamLimitDropAfter: 150, streamLimitRiseAfter: 20, goAwayAfter: 400,
                reasonRates: [.init(reason: .badDeviceToken, rate: 0.02)]))
        let faults = FaultPlan(invalidTokens: Set(invalid.map { ByteBuffer(bytes: $0) }), seed: 11)
        try await WorkerHarness.with(faults: faults, http2: http2) { harness in
            let port = try #require(harness.gateway.http2Port)
            try await harness.client.execute(
                """
                INSERT INTO push.app (name, topic, transport, auth, gateway_host, gateway_port, private_key_path,
                                      key_id, team_id, ca_file)
                VALUES ('h2shop', 'com.example.pushworker', 'http2', 'token', '127.0.0.1', \(Int32(port)),
                        \(harness.pki.files.tokenPrivateKey), \(pki.pki.tokenKey.keyID), \(pki.pki.tokenKey.teamID),
                        \(harness.pki.files.caCertificate))
                """, logger: harness.logger)
            let campaign = try await harness.enqueueCampaign(app: "h2shop", tokens: tokens)
            try await harness.runUntilIdle()

            let statistics = harness.gateway.statistics()
            #expect(statistics.goAwaysSent > 0 && statistics.streamLimitChanges > 0, "the faults must have fired: \(statistics)")
            let badDeviceTokens = statistics.rejected(.badDeviceToken)
            #expect(badDeviceTokens > 0)
            #expect(statistics.rejected(.unregistered) == invalid.count)

            let verdict = try harness.verdict(campaigns: [campaign], invalid: invalid)
            #expect(verdict.exitStatus == 0, "\(verdict)")
            #expect(verdict.unaccounted == 0 && verdict.lost == 0, "\(verdict)")
            // GOAWAY names the last stream processed; what lies above it was not, so resending it
            // never duplicates.
            #expect(verdict.duplicates == 0, "\(verdict)")
            #expect(verdict.rejected == invalid.count + badDeviceTokens, "\(verdict)")
            #expect(verdict.accepted == tokens.count - invalid.count - badDeviceTokens, "\(verdict)")
            #expect(statistics.accepted == verdict.accepted)

            let outcomes = try await harness.outcomes(campaign: campaign)
            for token in invalid {
                #expect(outcomes[WorkerHarness.hex(token)]?.first?.code == 410)
            }
            #expect(try await harness.scalar("SELECT count(*) FROM push.job", as: Int64.self) == 0)
        }
    }
}
