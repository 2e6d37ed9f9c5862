import Foundation
import JobQueue
import PostgresNIO
import Testing
import TestSupport

@Suite struct LifecycleTests {
    @Test func aCrashedClaimerLosesNothing() async throws {
        try await TestDatabase.withMigrated { client, url in
            let db = QueueFixtures(client: client)
            let campaign = try await db.enqueuedCampaign(tokens: 50, chunkSize: 10)
            // The doomed worker claims on its own connection, then that connection is dropped.
            let held = try await withRunningClient(url.clientConfiguration(), logger: db.logger) { doomed in
                var configuration = JobQueue.Configuration()
                configuration.leaseDuration = .seconds(1)
                let queue = JobQueue(client: doomed, worker: WorkerID("doomed"), configuration: configuration, logger: db.logger)
                return try await queue.claim(limit: 3).map(\.id)
            }
            #expect(held.count == 3)
            let survivor = db.queue("survivor")
            let rescuedAll = try await eventually {
                _ = try await survivor.rescueLapsedLeases()
                return try await db.scalar("SELECT count(*) FROM push.job WHERE state = 'running'", as: Int64.self) == 0
            }
            #expect(rescuedAll)
            var finished = 0
            while true {
                let jobs = try await survivor.claim(limit: 10)
                if jobs.isEmpty { break }
                finished += jobs.count
                try await survivor.complete(jobs.map { JobReport(job: $0, allOutcomes: .accepted) })
            }
            #expect(finished == 5)
            #expect(try await db.outcomes(campaign) == ["accepted": 50])
            let retried = try await db.scalar(
                "SELECT count(DISTINCT job_id) FROM push.outcome WHERE attempt = 2", as: Int64.self)
            #expect(retried == 3)
        }
    }

    @Test func aWorkerStartedUnderTheIDOfADeadOneHandsBackWhatThatOneHeld() async throws {
        try await TestDatabase.withMigrated { client, _ in
            let db = QueueFixtures(client: client)
            let campaign = try await db.enqueuedCampaign(tokens: 50, options: "max_attempts => 2", chunkSize: 10)
            let dead = try await db.queue("w1").claim(limit: 2)
            let alive = try await db.queue("w2").claim(limit: 1)
            #expect(dead.count == 2 && alive.count == 1)
            // A job on its last attempt ends as failed, as a lapsed lease would.
            try await client.execute("UPDATE push.job SET attempt = 2 WHERE id = \(dead[1].id.rawValue)", logger: db.logger)
            let restarted = db.queue("w1")
            // Its housekeeping extends the leases of every job under its id; that must not keep them.
            #expect(try await restarted.extendLeases() == 2)
            #expect(try await restarted.rescueEarlierRun() == RescueResult(rescuedJobs: 1, failedJobs: 1, failedTokens: 10))
            #expect(try await restarted.rescueEarlierRun() == RescueResult(rescuedJobs: 0, failedJobs: 0, failedTokens: 0))
            let leased = try await db.scalar(
                "SELECT string_agg(lease_owner, ',') FROM push.job WHERE state = 'running'", as: String.self)
            #expect(leased == "w2")
            // Claimable again at once, the attempt kept (the dead run may have sent it).
            let again = try await restarted.claim(limit: 10).first { $0.id == dead[0].id }
            #expect(again?.attempt == 2)
            #expect(try await db.outcomes(campaign) == ["failed": 10])
        }
    }

    @Test func aLapsedLeaseOnTheLastAttemptEndsAsFailed() async throws {
        try await TestDatabase.withMigrated { client, _ in
            let db = QueueFixtures(client: client)
            let campaign = try await db.enqueuedCampaign(tokens: 3, options: "max_attempts => 1")
            _ = try await db.queue("w1").claim(limit: 1)
            try await client.execute("UPDATE push.job SET lease_until = now() - interval '1 second'", logger: db.logger)
            let result = try await db.queue("w2").rescueLapsedLeases()
            #expect(result == RescueResult(rescuedJobs: 0, failedJobs: 1, failedTokens: 3))
            #expect(try await db.outcomes(campaign) == ["failed": 3])
        }
    }

    @Test func expiredCampaignsAreNeverSentAndSweptAsExpired() async throws {
        try await TestDatabase.withMigrated { client, _ in
            let db = QueueFixtures(client: client)
            let campaign = try await db.enqueuedCampaign(tokens: 25, options: "expires_at => now() + interval '1 hour'", chunkSize: 10)
            try await client.execute(
                "UPDATE push.job SET expires_at = now() - interval '1 second' WHERE campaign_id = \(campaign)",
                logger: db.logger)
            let queue = db.queue("w1")
            #expect(try await queue.claim(limit: 10).isEmpty)
            #expect(try await queue.sweep() == SweepResult(jobs: 3, tokens: 25))
            #expect(try await db.outcomes(campaign) == ["expired": 25])
            #expect(try await queue.sweep() == SweepResult(jobs: 0, tokens: 0))
        }
    }

    @Test func cancelEndsWaitingTokensAndWhatARunningJobHandsBack() async throws {
        try await TestDatabase.withMigrated { client, _ in
            let db = QueueFixtures(client: client)
            let campaign = try await db.enqueuedCampaign(tokens: 30, chunkSize: 10)
            let queue = db.queue("w1")
            let running = try #require(try await queue.claim(limit: 1).first)
            let cancelled = try await db.scalar("SELECT push.cancel_campaign(\(campaign))", as: Int64.self)
            #expect(cancelled == 20)
            #expect(try await db.scalar("SELECT push.cancel_campaign(\(campaign))", as: Int64.self) == 0)
            #expect(try await queue.claim(limit: 10).isEmpty)
            var report = JobReport(job: running)
            for index in 0..<5 { report.record(.accepted, forRecipientAt: index) }
            report.recordRemaining(.retry(reason: "later"))
            try await queue.complete([report])
            #expect(try await queue.claim(limit: 10).isEmpty)  // handed back, but cancelled
            #expect(try await queue.sweep() == SweepResult(jobs: 1, tokens: 5))
            #expect(try await db.outcomes(campaign) == ["accepted": 5, "cancelled": 25])
            let status = try await db.scalar(
                "SELECT status FROM push.campaign_progress WHERE campaign_id = \(campaign)", as: String.self)
            #expect(status == "cancelled")
            let refusal = await refusal { _ = try await db.enqueueCampaign(campaign) }
            #expect(refusal?.state == "PWC02")
            #expect(refusal?.message.hasPrefix("campaign \(campaign) is cancelled") == true)
        }
    }

    @Test func wakeUpsArriveOnEnqueueAndOnPoll() async throws {
        try await TestDatabase.withMigrated { client, _ in
            let db = QueueFixtures(client: client)
            try await db.makeApp()
            try await db.registerTokens(count: 5)
            let campaign = try await db.createCampaign()
            let listened = WakeUpSource(client: client, pollInterval: .seconds(3600), logger: db.logger)
            let got = try await listened.withWakeUps { wakeUps in
                var iterator = wakeUps.makeAsyncIterator()
                guard await iterator.next() == .listening else { return WakeUp.poll }
                try await db.enqueueCampaign(campaign)
                return await iterator.next() ?? .poll
            }
            #expect(got == .notified(payload: "\(campaign)"))
            let polled = WakeUpSource(client: client, pollInterval: .milliseconds(50), logger: db.logger)
            let polls = try await polled.withWakeUps { wakeUps in
                var count = 0
                for await wakeUp in wakeUps where wakeUp == .poll {
                    count += 1
                    if count == 2 { break }
                }
                return count
            }
            #expect(polls == 2)
        }
    }

    @Test func heartbeatsAndCredentialErrorsAreVisible() async throws {
        try await TestDatabase.withMigrated { client, _ in
            let db = QueueFixtures(client: client)
            let app = try await db.makeApp()
            let queue = db.queue("host-a:42")
            try await queue.heartbeat(host: "host-a", pid: 42, version: "test")
            try await queue.heartbeat(host: "host-a", pid: 42, version: "test")
            #expect(try await db.scalar("SELECT status FROM push.worker_status", as: String.self) == "alive")
            try await queue.markStopped()
            #expect(try await db.scalar("SELECT status FROM push.worker_status", as: String.self) == "stopped")
            try await queue.recordCredentialError(app: AppID(app), message: "credentials failed: wrong passphrase")
            #expect(try await db.scalar("SELECT credential_error FROM push.app_endpoint", as: String.self)
                    == "credentials failed: wrong passphrase")
            try await queue.recordCredentialError(app: AppID(app), message: nil)
            #expect(try await db.scalar("SELECT count(*) FROM push.app WHERE credential_error IS NULL", as: Int64.self) == 1)
        }
    }
}

@Suite struct HousekeeperTests {
    @Test func aWorkerExtendsOnlyTheLeasesOfTheJobsItKnowsItHolds() async throws {
        try await TestDatabase.withMigrated { client, _ in
            let db = QueueFixtures(client: client)
            _ = try await db.enqueuedCampaign(tokens: 30, chunkSize: 10)
            let mine = db.queue("keeper")
            let claimed = try await mine.claim(limit: 3)
            try #require(claimed.count == 3)
            // The third claim's answer was lost: the worker never learnt it holds that job.
            try await client.execute("UPDATE push.job SET lease_until = now() + interval '5 seconds'", logger: db.logger)
            let known = [claimed[0].id, claimed[1].id]
            let keeper = QueueHousekeeper(
                queue: mine, configuration: .init(host: "h", pid: 1, version: "t"), heldJobs: { known })
            let round = try await keeper.runOnce()
            #expect(round.leasesExtended == 2)
            let orphan = claimed[2].id.rawValue
            #expect(try await db.scalar(
                "SELECT count(*) FROM push.job WHERE lease_until < now() + interval '10 seconds'", as: Int64.self) == 1)
            #expect(try await db.scalar(
                "SELECT id FROM push.job WHERE lease_until < now() + interval '10 seconds'", as: Int64.self) == orphan)
        }
    }

    @Test func aRoundBeatsExtendsRescuesAndSweeps() async throws {
        try await TestDatabase.withMigrated { client, _ in
            let db = QueueFixtures(client: client)
            let campaign = try await db.enqueuedCampaign(tokens: 30, chunkSize: 10)
            let mine = db.queue("keeper")
            _ = try await mine.claim(limit: 1)
            _ = try await db.queue("crashed").claim(limit: 1)
            try await client.execute(
                "UPDATE push.job SET lease_until = now() - interval '1 second' WHERE lease_owner = 'crashed'",
                logger: db.logger)
            try await client.execute(
                "UPDATE push.job SET expires_at = now() - interval '1 second' WHERE state = 'available'",
                logger: db.logger)
            let keeper = QueueHousekeeper(queue: mine, configuration: .init(host: "h", pid: 1, version: "t"))
            let round = try await keeper.runOnce()
            #expect(round.leasesExtended == 1)
            #expect(round.rescue.rescuedJobs == 1)
            #expect(round.sweep == SweepResult(jobs: 1, tokens: 10))
            #expect(try await db.outcomes(campaign) == ["expired": 10])
            #expect(try await db.scalar("SELECT count(*) FROM push.worker WHERE id = 'keeper'", as: Int64.self) == 1)
        }
    }
}
