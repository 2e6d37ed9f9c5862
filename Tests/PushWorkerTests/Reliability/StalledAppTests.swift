import Foundation
import JobQueue
import MockGateway
import PostgresNIO
import Testing
import TestSupport

/// Reliability scenario 7, the deterministic part: an app whose gateway stops reading (its TCP
/// windows fill, its TLS handshakes never finish) must not take the whole job budget of a worker
/// that also sends for a healthy app, and nothing of it may be lost.
@Suite("Reliability: a stalled app", .serialized)
struct StalledAppTests {
    @Test("an app whose gateway stopped reading does not starve the other app: its campaign is sent while the stall lasts; when the pool gives up, nothing is lost")
    func stalledAppDoesNotStarveTheOther() async throws {
        try await WorkerHarness.with { harness in
            let directory = try TestPKI.makeTemporaryDirectory(prefix: "pushworker-stalled")
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let stalledGateway = try await MockGateway.start(MockGatewayConfiguration(
                feedbackPort: nil, tls: try harness.pki.serverTLS(), faults: FaultPlan(stopReadingAfter: 0),
                ledgerPath: directory + "/ledger.tsv"))
            do {
                try await Self.run(harness, stalledGateway: stalledGateway)
                try await stalledGateway.stop()
            } catch {
                try? await stalledGateway.stop()
                throw error
            }
        }
    }

    private static func run(_ harness: WorkerHarness, stalledGateway: MockGateway) async throws {
        try await harness.makeApp("healthy")
        try await harness.client.execute(
            """
            INSERT INTO push.app (name, topic, gateway_host, gateway_port, certificate_path, passphrase_env, ca_file)
            VALUES ('stalled', 'com.example.pushworker', '127.0.0.1', \(Int32(stalledGateway.gatewayPort)),
                    \(harness.pki.files.clientPKCS12), \(WorkerHarness.passphraseVariable), \(harness.pki.files.caCertificate))
            """, logger: harness.logger)
        // The stalled app's campaign is enqueued first: its jobs come first in claim order.
        let stalledTokens = (0..<3_000).map { WorkerHarness.token($0, salt: 71) }
        let healthyTokens = (0..<3_000).map { WorkerHarness.token($0, salt: 72) }
        let stalled = try await harness.enqueueCampaign(app: "stalled", tokens: stalledTokens)
        let healthy = try await harness.enqueueCampaign(app: "healthy", tokens: healthyTokens)

        var settings = harness.settings(exitWhenIdle: false)
        settings.drainTimeout = .seconds(2)
        let group = harness.workerGroup(id: "stall-worker", settings: settings)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let healthySent = try await eventually(within: .seconds(300)) {
                try await harness.scalar("SELECT count(*) FROM push.outcome WHERE campaign_id = \(healthy)", as: Int64.self)
                    == Int64(healthyTokens.count)
            }
            #expect(healthySent, "the healthy campaign must be sent while the other app stalls")
            // The stall lasted throughout: the stalled gateway still reads nothing, and none of
            // the stalled app's jobs was ever handed back (a pool that gave up on the gateway
            // requeues its jobs with a back-off). So the healthy campaign did not wait for it.
            #expect(stalledGateway.isReadingStopped)
            let requeued = try await harness.scalar(
                "SELECT count(*) FROM push.job WHERE campaign_id = \(stalled) AND (attempt > 1 OR run_at > created_at)",
                as: Int64.self)
            #expect(requeued == 0, "the healthy campaign finished only after the stalled app's pool gave up")
            // It still holds jobs (once the healthy app has none left, it may take the free room).
            let held = try await harness.scalar(
                "SELECT count(*) FROM push.job WHERE campaign_id = \(stalled) AND state = 'running'", as: Int64.self)
            #expect(held > 0)
            // When the pool gives up on the gateway (handshake timeouts, six in a row), every
            // notification it holds comes back as a retry: the jobs are requeued with a back-off,
            // nothing is recorded or lost, and the tokens will be sent again.
            let gaveUp = try await eventually(within: .seconds(180), polling: .milliseconds(200)) {
                try await harness.scalar(
                    "SELECT count(*) FROM push.job WHERE campaign_id = \(stalled) AND run_at > created_at", as: Int64.self) > 0
            }
            #expect(gaveUp, "the pool never gave up on the stalled gateway")
            #expect(try await harness.outcomes(campaign: stalled).isEmpty)
            let accounted = try await harness.scalar(
                "SELECT coalesce(sum(cardinality(token_ids)), 0)::bigint FROM push.job WHERE campaign_id = \(stalled)",
                as: Int64.self)
            #expect(accounted == Int64(stalledTokens.count))
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }

        // Nothing of the stalled app was sent, recorded or lost: its tokens wait in their jobs.
        #expect(try await harness.outcomes(campaign: stalled).isEmpty)
        let waiting = try await harness.scalar(
            """
            SELECT coalesce(sum(cardinality(token_ids)), 0)::bigint FROM push.job
            WHERE campaign_id = \(stalled) AND state = 'available'
            """, as: Int64.self)
        #expect(waiting == Int64(stalledTokens.count))
        let verdict = try harness.verdict(campaigns: [healthy])
        #expect(verdict.accepted == healthyTokens.count && verdict.lost == 0 && verdict.unaccounted == 0, "\(verdict)")
        #expect(stalledGateway.statistics().accepted == 0)
    }
}
