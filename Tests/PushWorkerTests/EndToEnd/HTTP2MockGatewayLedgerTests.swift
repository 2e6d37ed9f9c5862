import Foundation
import JobQueue
import MockGateway
import NIOCore
import PostgresNIO
import PushWorker
import Testing
import TestSupport

/// The worker against the product's mock gateway speaking HTTP/2 (token authentication, Apple's
/// request validation, a stream limit that drops to 1 after each rejection, GOAWAY every 150
/// answers): every token ends in exactly one recorded state, and the database's ledger matches
/// the gateway's.
@Suite(.serialized) struct HTTP2MockGatewayLedgerTests {
    @Test func aCampaignThroughTheMockGatewayMatchesItsLedger() async throws {
        let pki = try WorkerHarness.sharedPKI.get()
        let tokens = (0..<400).map { WorkerHarness.token($0, salt: 7) }
        let invalid = Array(tokens[0..<20])
        var verifier = ProviderTokenVerifier(keys: [:], teamID: pki.pki.tokenKey.teamID)
        verifier.trust(pki.pki.tokenKey)
        let http2 = HTTP2GatewayConfiguration(
            authentication: HTTP2Authentication(mode: .token, tokens: verifier),
            faults: HTTP2FaultPlan(maxConcurrentStreams: 64, streamLimitFollowsRejections: true, goAwayAfter: 150),
            goAwayGracePeriodSeconds: 5)
        let faults = FaultPlan(invalidTokens: Set(invalid.map { ByteBuffer(bytes: $0) }))
        try await WorkerHarness.with(faults: faults, http2: http2) { harness in
            let port = try #require(harness.gateway.http2Port)
            try await harness.client.execute(
                """
                INSERT INTO push.app (name, topic, transport, auth, gateway_host, gateway_port, private_key_path,
                                      key_id, team_id, ca_file, connections_per_worker)
                VALUES ('mock-h2', 'com.example.pushworker', 'http2', 'token', '127.0.0.1', \(Int32(port)),
                        \(pki.files.tokenPrivateKey), \(pki.pki.tokenKey.keyID), \(pki.pki.tokenKey.teamID),
                        \(pki.files.caCertificate), 2)
                """, logger: harness.logger)
            let campaign = try await harness.enqueueCampaign(app: "mock-h2", tokens: tokens)
            try await harness.runUntilIdle()

            let outcomes = try await harness.outcomes(campaign: campaign)
            #expect(outcomes.count == 400)
            #expect(outcomes.values.allSatisfy { $0.count == 1 })
            let invalidHex = Set(invalid.map(WorkerHarness.hex))
            for (token, recorded) in outcomes {
                let expected = invalidHex.contains(token) ? ("rejected", Int32?(410)) : ("accepted", nil)
                #expect(recorded.first.map { $0.kind == expected.0 && $0.code == expected.1 } == true, "\(token): \(recorded)")
            }
            let disabled = try await harness.scalar(
                "SELECT count(*) FROM push.device_token WHERE status = 'disabled'", as: Int64.self)
            #expect(disabled == 20)
            let verdict = try harness.verdict(campaigns: [campaign], invalid: invalid)
            #expect(verdict.exitStatus == 0, "\(verdict)")
            #expect(verdict.unaccounted == 0 && verdict.lost == 0 && verdict.duplicates == 0, "\(verdict)")
            #expect(verdict.detail["delivered_unrecorded"] == 0, "\(verdict)")
            #expect(verdict.accepted == 380 && verdict.rejected == invalid.count, "\(verdict)")
        }
    }
}
