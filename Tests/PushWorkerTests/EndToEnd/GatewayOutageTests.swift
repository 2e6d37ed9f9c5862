import APNSBinary
import Foundation
import JobQueue
import MockGateway
import PushWorker
import Testing
import TestSupport

/// The worker while an app's gateway cannot be reached, against a real PostgreSQL and the mock
/// gateway over mutual TLS.
@Suite("Worker while the gateway is down", .serialized)
struct GatewayOutageTests {
    @Test("a gateway down for far longer than the retry back-off: no attempt is used, and once it is back every token is sent once")
    func outageUsesNoAttempts() async throws {
        try await WorkerHarness.with { harness in
            // A port nothing listens on: where a stand-in gateway was, until it stops.
            let standIn = try await MockGateway.start(MockGatewayConfiguration(tls: try harness.pki.serverTLS()))
            let port = standIn.gatewayPort
            try await standIn.stop()
            try await harness.makeApp("shop")
            try await harness.client.execute(
                "UPDATE push.app SET gateway_port = \(Int32(port)) WHERE name = 'shop'", logger: harness.logger)
            let tokens = (0..<1_500).map { WorkerHarness.token($0, salt: 11) }
            let campaign = try await harness.enqueueCampaign(app: "shop", tokens: tokens)

            var settings = harness.settings()
            settings.gatewayPause = .milliseconds(100)
            settings.maximumGatewayPause = .milliseconds(400)
            settings.gatewayReconnectBackoff = BackoffPolicy(initial: .milliseconds(20), maximum: .milliseconds(300))
            let group = harness.workerGroup(id: "patient", settings: settings)
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }

                // The worker has tried every job (a claim sets claimed_at; handing back keeps it).
                let triedAll = try await eventually(within: .seconds(30)) {
                    try await harness.scalar(
                        "SELECT count(*) FILTER (WHERE claimed_at IS NULL) = 0 FROM push.job WHERE campaign_id = \(campaign)",
                        as: Bool.self)
                }
                #expect(triedAll, "the worker never claimed every job")
                // The outage itself: the harness's retry policy (50 ms doubling to 200 ms) would
                // use up all five attempts of every job in about a second; the gateway stays
                // away for 3 s more.
                try await Task.sleep(for: .seconds(3))
                let recordedWhileDown = try await harness.scalar(
                    "SELECT count(*) FROM push.outcome WHERE campaign_id = \(campaign)", as: Int64.self)
                #expect(recordedWhileDown == 0, "nothing may be recorded while the gateway is unreachable")
                let attemptsWhileDown = try await harness.scalar(
                    """
                    SELECT coalesce(max(attempt), 0)::bigint FROM push.job
                    WHERE campaign_id = \(campaign) AND state = 'available'
                    """, as: Int64.self)
                #expect(attemptsWhileDown == 0, "a job handed back because the gateway is unreachable keeps its attempts")

                let revived: MockGateway
                do {
                    revived = try await MockGateway.start(MockGatewayConfiguration(
                        gatewayPort: port, tls: try harness.pki.serverTLS(), ledgerPath: harness.ledgerPath))
                } catch {
                    await group.triggerGracefulShutdown()
                    throw error
                }
                try await tasks.waitForAll()
                try await revived.stop()
            }

            let outcomes = try await harness.outcomes(campaign: campaign)
            #expect(outcomes.count == tokens.count)
            #expect(outcomes.values.allSatisfy { $0.count == 1 && $0[0].kind == "accepted" })
            let attempts = try await harness.scalar(
                "SELECT max(attempt)::bigint FROM push.outcome WHERE campaign_id = \(campaign)", as: Int64.self)
            #expect(attempts == 1, "every token went out on its first counted attempt")
            let verdict = try harness.verdict(campaigns: [campaign])
            #expect(verdict.lost == 0 && verdict.unaccounted == 0 && verdict.duplicates == 0, "\(verdict)")
            #expect(verdict.accepted == tokens.count, "\(verdict)")
        }
    }
}
