import Foundation
import JobQueue
import Testing
import TestSupport

/// The worker verifies the gateway: an app whose `ca_file` names a CA that did not issue the
/// gateway's certificate never sends, and its error says why.
@Suite("Untrusted gateway", .serialized)
struct UntrustedGatewayTests {
    @Test("a gateway whose certificate comes from a CA other than the app's ca_file is refused: nothing sent, error recorded")
    func gatewayFromAnotherCA() async throws {
        let otherCA = try TestPKI()
        defer { otherCA.remove() }
        try await WorkerHarness.with { harness in
            try await harness.makeApp("trusting")
            try await harness.client.execute(
                """
                INSERT INTO push.app (name, topic, gateway_host, gateway_port, certificate_path, passphrase_env, ca_file)
                VALUES ('suspicious', 'com.example.pushworker', '127.0.0.1', \(Int32(harness.gateway.gatewayPort)),
                        \(harness.pki.files.clientPKCS12), \(WorkerHarness.passphraseVariable), \(otherCA.files.caCertificate))
                """, logger: harness.logger)
            let trusted = try await harness.enqueueCampaign(app: "trusting", tokens: (0..<100).map { WorkerHarness.token($0, salt: 41) })
            let refused = try await harness.enqueueCampaign(
                app: "suspicious", tokens: (0..<100).map { WorkerHarness.token($0, salt: 42) })
            try await harness.runUntilIdle()

            #expect(try await harness.outcomes(campaign: trusted).count == 100, "the other app is unaffected")
            #expect(try await harness.outcomes(campaign: refused).isEmpty, "nothing of the refused app may be recorded")
            try harness.gateway.flushLedger()
            let ledger = try String(contentsOfFile: harness.ledgerPath, encoding: .utf8)
            #expect(ledger.contains(WorkerHarness.hex(WorkerHarness.token(0, salt: 41))), "the ledger must show the trusted app's tokens")
            let leaked = (0..<100).filter { ledger.contains(WorkerHarness.hex(WorkerHarness.token($0, salt: 42))) }
            #expect(leaked.isEmpty, "no notification may reach a gateway the app does not trust")
            let waiting = try await harness.scalar(
                """
                SELECT coalesce(sum(cardinality(token_ids)), 0)::bigint FROM push.job
                WHERE campaign_id = \(refused) AND state = 'available' AND attempt = 0
                """, as: Int64.self)
            #expect(waiting == 100, "the refused app's jobs go back unsent, with no attempt counted")
            let error = try await harness.scalar(
                "SELECT credential_error FROM push.app WHERE name = 'suspicious'", as: String.self)
            #expect(error.contains("gateway certificate untrusted"), "\(error)")
        }
    }
}
