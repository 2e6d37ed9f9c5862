import Testing

@testable import PushWorker

@Suite("WorkerHealth")
struct WorkerHealthTests {
    @Test("unhealthy until the database first answers, healthy while it keeps answering, unhealthy when silent too long")
    func databaseSilence() {
        let health = WorkerHealth(databaseSilenceLimit: .seconds(30))
        let start = ContinuousClock.now
        #expect(health.status(at: start).reason == "the database has not answered yet")
        health.databaseAnswered(at: start)
        health.update(heldJobs: 3, blockedApps: 1)
        let fine = health.status(at: start + .seconds(30))
        #expect(fine.isHealthy)
        #expect(fine.details["jobs_held"] == "3" && fine.details["apps_stopped"] == "1")
        let silent = health.status(at: start + .seconds(31))
        #expect(!silent.isHealthy)
        #expect(silent.reason == "the database has not answered for 31 s")
    }

    @Test("draining is unhealthy whatever the database says")
    func draining() {
        let health = WorkerHealth()
        health.databaseAnswered()
        health.startedDraining()
        #expect(health.status() == .init(isHealthy: false, reason: "draining for shutdown",
                                         details: ["jobs_held": "0", "apps_stopped": "0"]))
    }

    @Test("a claim loop busy past its limit without completing a round is unhealthy; waiting for work or room is not")
    func claimLoopStall() {
        let health = WorkerHealth(databaseSilenceLimit: .seconds(3_600), claimLoopStallLimit: .seconds(60))
        let start = ContinuousClock.now
        health.databaseAnswered(at: start)
        #expect(health.status(at: start + .seconds(600)).isHealthy, "a loop that has not started is not stalled")
        health.claimLoopCompletedRound(at: start)
        #expect(health.status(at: start + .seconds(60)).isHealthy)
        let stalled = health.status(at: start + .seconds(61))
        #expect(!stalled.isHealthy)
        #expect(stalled.reason == "claim loop stalled for 61 s")
        health.claimLoopWaiting()
        #expect(health.status(at: start + .seconds(600)).isHealthy, "waiting for a nudge is not a stall")
        health.claimLoopCompletedRound(at: start + .seconds(600))
        let resumed = health.status(at: start + .seconds(630))
        #expect(resumed.isHealthy && resumed.details["claim_rounds"] == "2")
    }
}
