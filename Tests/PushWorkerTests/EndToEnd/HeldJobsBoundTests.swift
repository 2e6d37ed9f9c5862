import JobQueue
import PushWorker
import Testing
import TestSupport

/// What a worker killed at any moment can leave behind is bounded by the jobs it holds; those
/// must never exceed `--max-jobs`, however far its writer is behind.
@Suite("Held jobs bound", .serialized)
struct HeldJobsBoundTests {
    @Test("a worker whose writer lags never holds more leased jobs than --max-jobs, and finishes the campaign")
    func leasedJobsStayWithinMaxJobs() async throws {
        let tokens = (0..<4_000).map { WorkerHarness.token($0, salt: 11) }
        try await WorkerHarness.with { harness in
            try await harness.makeApp("shop")
            let campaign = try await harness.enqueueCampaign(app: "shop", tokens: tokens)
            var settings = harness.settings()
            settings.maxJobs = 2
            settings.claimBatch = 1
            // A writer that only writes on its timer: finished jobs wait in it for a while.
            var writer = settings.outcomeWriterConfiguration
            writer.flushThreshold = 1_000
            writer.highWaterMark = 1_000
            writer.flushInterval = .milliseconds(300)
            let group = harness.workerGroup(id: "bounded", settings: settings, writer: writer)

            let peak = try await withThrowingTaskGroup(of: Int64?.self) { tasks in
                tasks.addTask { try await group.run(); return nil }
                tasks.addTask {
                    // Watch the worker's leases until the campaign has no job left.
                    var peak: Int64 = 0
                    while true {
                        let leased = try await harness.scalar(
                            "SELECT count(*) FROM push.job WHERE state = 'running' AND lease_owner = 'bounded'", as: Int64.self)
                        let left = try await harness.scalar(
                            "SELECT count(*) FROM push.job WHERE campaign_id = \(campaign)", as: Int64.self)
                        peak = max(peak, leased)
                        if left == 0 { return peak }
                    }
                }
                var peak: Int64?
                for try await result in tasks where result != nil { peak = result }
                return peak
            }
            #expect(peak != nil && peak! >= 1, "the watcher must have seen the worker at work")
            #expect(peak! <= Int64(settings.maxJobs), "held \(peak!) jobs with --max-jobs \(settings.maxJobs)")
            let verdict = try harness.verdict(campaigns: [campaign])
            #expect(verdict.accepted == tokens.count && verdict.lost == 0 && verdict.duplicates == 0, "\(verdict)")
        }
    }
}
