import JobQueue
import PostgresNIO
import PushWorker
import ServiceLifecycle
import Synchronization
import Testing
import TestSupport

/// A claim that never answers must not freeze the worker: it is abandoned at its deadline,
/// `/health` says the claim loop stalls, a graceful shutdown completes while the claim is still
/// stuck, and jobs the abandoned claims lease when they finally answer are handed back.
///
/// The claim is made to hang by another session holding `LOCK TABLE push.job IN ACCESS
/// EXCLUSIVE MODE` in an open transaction (which also enqueues the campaign, so the stuck
/// claims lease jobs the moment the lock goes). The group has no housekeeper: its statements
/// would wait for the lock too, and its shutdown is not what is tested here.
@Suite("Claim loop stall", .serialized, .timeLimit(.minutes(3)))
struct ClaimStallTests {
    /// What the test saw while the lock was held.
    private struct WhileLocked {
        var stallReported = false
        var lastHealth: WorkerHealth.Status?
        var shutDownWhileLocked = false
    }

    @Test("a claim blocked on a lock is abandoned, /health reports the stall, shutdown completes, late claims hand their jobs back")
    func blockedClaim() async throws {
        let tokens = (0..<2_000).map { WorkerHarness.token($0, salt: 29) }
        try await WorkerHarness.with { harness in
            let logger = harness.logger
            try await harness.makeApp("shop")
            let hex = tokens.map(WorkerHarness.hex)
            try await harness.client.execute("SELECT push.register_tokens('shop', \(hex))", logger: logger)
            let campaign = try await harness.scalar(
                "SELECT push.create_campaign('shop', '{\"aps\":{\"alert\":\"stall\"}}')", as: Int64.self)

            var settings = harness.settings(exitWhenIdle: false)
            settings.claimLoopQueryTimeout = .seconds(2)
            settings.maximumClaimBackoff = .milliseconds(500)
            let health = WorkerHealth(claimLoopStallLimit: .seconds(3))
            let group = harness.workerGroup(id: "stalled", settings: settings, health: health, housekeeping: false)
            let finished = RunFinished()
            let run = Task {
                defer { finished.set() }
                try await group.run()
            }
            // Running and idle: it has claimed (nothing) and waits for work.
            #expect(try await eventually {
                let status = health.status()
                return status.isHealthy && (Int(status.details["claim_rounds"] ?? "") ?? 0) >= 2
            }, "the worker must start, claim and go idle")

            let seen = try await harness.client.withConnection { locker in
                try await locker.query("BEGIN", logger: logger)
                try await locker.query("LOCK TABLE push.job IN ACCESS EXCLUSIVE MODE", logger: logger)
                for try await _ in try await locker.query("SELECT push.enqueue_tokens(\(campaign), \(hex), 100)", logger: logger) {}
                let seen = await Self.observeWhileLocked(group: group, health: health, finished: finished)
                try await locker.query("COMMIT", logger: logger)
                return seen
            }
            #expect(seen.stallReported, "health while the claim was stuck: \(String(describing: seen.lastHealth))")
            #expect(seen.shutDownWhileLocked, "a graceful shutdown must complete while a claim is stuck")
            try await run.value

            // The abandoned claims answer now and lease jobs; once no statement of theirs is still
            // running, nothing may stay leased by the worker. (Right after COMMIT the count is 0
            // only because they have not leased yet: hence the wait for the statements to end.)
            #expect(try await eventually {
                let running = try await harness.scalar(
                    """
                    SELECT count(*) FROM pg_stat_activity
                    WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid()
                    """, as: Int64.self)
                let leased = try await harness.scalar(
                    "SELECT count(*) FROM push.job WHERE state = 'running' AND lease_owner = 'stalled'", as: Int64.self)
                return running == 0 && leased == 0
            }, "jobs leased by abandoned claims must be handed back")
            let unclaimed = try await harness.scalar("SELECT count(*) FROM push.job WHERE campaign_id = \(campaign)", as: Int64.self)
            #expect(unclaimed == 20, "every job must still be waiting to be sent")

            try await harness.runUntilIdle(id: "second")
            let left = try await harness.scalar("SELECT count(*) FROM push.job WHERE campaign_id = \(campaign)", as: Int64.self)
            #expect(left == 0)
            let verdict = try harness.verdict(campaigns: [campaign])
            #expect(verdict.accepted == tokens.count && verdict.lost == 0 && verdict.duplicates == 0, "\(verdict)")
        }
    }

    /// With the lock held: waits for `/health` to report the stall, then shuts the group down and
    /// waits for it to finish. Never throws, so the caller always ends the transaction.
    private static func observeWhileLocked(group: ServiceGroup, health: WorkerHealth, finished: RunFinished) async -> WhileLocked {
        var seen = WhileLocked()
        seen.stallReported = (try? await eventually(within: .seconds(30)) {
            let status = health.status()
            seen.lastHealth = status
            return !status.isHealthy && status.reason?.hasPrefix("claim loop stalled for") == true
        }) ?? false
        await group.triggerGracefulShutdown()
        seen.shutDownWhileLocked = (try? await eventually(within: .seconds(30)) { finished.isSet }) ?? false
        return seen
    }
}

/// Set once the worker group's run returned.
private final class RunFinished: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}
