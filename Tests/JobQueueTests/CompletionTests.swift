import Foundation
import JobQueue
import PostgresNIO
import Testing
import TestSupport

@Suite struct CompletionTests {
    @Test func outcomesLandInTheLedgerAndRejectedTokensAreDisabled() async throws {
        try await TestDatabase.withMigrated { client, _ in
            let db = QueueFixtures(client: client)
            let campaign = try await db.enqueuedCampaign(tokens: 5)
            let queue = db.queue("w1")
            let job = try #require(try await queue.claim(limit: 1).first)
            var report = JobReport(job: job)
            report.record(.accepted, forRecipientAt: 0)
            report.record(.accepted, forRecipientAt: 1)
            report.record(.rejected(code: 8, reason: "InvalidToken", disableToken: "invalid token"), forRecipientAt: 2)
            report.record(.rejected(code: 7, reason: "InvalidPayloadSize"), forRecipientAt: 3)
            report.record(.expired, forRecipientAt: 4)
            let result = try await queue.complete([report])
            #expect(result.finished == [job.id])
            #expect(result.outcomesRecorded == 5)
            #expect(result.tokensDisabled == 1)
            #expect(try await db.outcomes(campaign) == ["accepted": 2, "rejected": 2, "expired": 1])
            let disabled = try await db.scalar(
                "SELECT disabled_reason FROM push.device_token WHERE id = \(job.recipients[2].tokenID.rawValue) AND status = 'disabled'",
                as: String.self)
            #expect(disabled == "invalid token")
            let rejection = try await db.scalar(
                "SELECT reason FROM push.campaign_rejections WHERE campaign_id = \(campaign) AND code = 8", as: String.self)
            #expect(rejection == "InvalidToken")
            let byToken = try await db.scalar(
                "SELECT kind::text FROM push.outcome WHERE token_id = \(job.recipients[3].tokenID.rawValue)", as: String.self)
            #expect(byToken == "rejected")
            let progress = try await client.query(
                "SELECT status, total, done FROM push.campaign_progress WHERE campaign_id = \(campaign)", logger: db.logger)
            for try await (status, total, done) in progress.decode((String, Int64, Int64).self) {
                #expect(status == "finished")
                #expect(total == 5)
                #expect(done == 5)
            }
            #expect(try await db.scalar("SELECT count(*) FROM push.job", as: Int64.self) == 0)
        }
    }

    @Test func retryBacksOffThenTheAttemptCapFails() async throws {
        try await TestDatabase.withMigrated { client, _ in
            let db = QueueFixtures(client: client)
            let campaign = try await db.enqueuedCampaign(tokens: 3, options: "max_attempts => 2")
            let queue = db.queue("w1", retry: RetryPolicy(base: .seconds(300), maximum: .seconds(3600), jitter: 0))
            let first = try #require(try await queue.claim(limit: 1).first)
            var report = JobReport(job: first)
            report.record(.accepted, forRecipientAt: 0)
            report.record(.retry(code: 1, reason: "ProcessingError"), forRecipientAt: 1)
            report.record(.retry(code: 1, reason: "ProcessingError"), forRecipientAt: 2)
            let result = try await queue.complete([report])
            #expect(result.requeued == [first.id])
            let wait = try await db.scalar(
                "SELECT extract(epoch FROM run_at - now())::float8 FROM push.job WHERE id = \(first.id.rawValue)", as: Double.self)
            #expect(wait > 290 && wait <= 300)
            #expect(try await queue.claim(limit: 1).isEmpty)  // backing off
            try await db.makeDue(campaign)
            let second = try #require(try await queue.claim(limit: 1).first)
            #expect(second.id == first.id)
            #expect(second.attempt == 2)
            #expect(second.recipients.map(\.tokenID) == [first.recipients[1].tokenID, first.recipients[2].tokenID])
            try await queue.complete([JobReport(job: second, allOutcomes: .retry(code: 1, reason: "ProcessingError"))])
            #expect(try await db.outcomes(campaign) == ["accepted": 1, "failed": 2])
            let attempts = try await db.scalar(
                "SELECT array_agg(attempt ORDER BY token_id) FROM push.outcome WHERE campaign_id = \(campaign)", as: [Int16].self)
            #expect(attempts == [1, 2, 2])
        }
    }

    @Test func releasedTokensComeBackAtOnceWithoutCountingAnAttempt() async throws {
        try await TestDatabase.withMigrated { client, _ in
            let db = QueueFixtures(client: client)
            let campaign = try await db.enqueuedCampaign(tokens: 2, options: "max_attempts => 1")
            let queue = db.queue("w1")
            let job = try #require(try await queue.claim(limit: 1).first)
            var report = JobReport(job: job)
            report.record(.accepted, forRecipientAt: 0)   // the second is never recorded: released
            try await queue.complete([report])
            let again = try #require(try await queue.claim(limit: 1).first)
            #expect(again.attempt == 1)
            #expect(again.recipients == [job.recipients[1]])
            #expect(try await db.outcomes(campaign) == ["accepted": 1])
        }
    }

    @Test func releaseAllHandsBackEverything() async throws {
        try await TestDatabase.withMigrated { client, _ in
            let db = QueueFixtures(client: client)
            _ = try await db.enqueuedCampaign(tokens: 30, chunkSize: 10)
            let queue = db.queue("w1")
            #expect(try await queue.claim(limit: 3).count == 3)
            #expect(try await queue.extendLeases() == 3)
            #expect(try await queue.releaseAll() == 3)
            let other = try await db.queue("w2").claim(limit: 10)
            #expect(other.count == 3)
            #expect(other.allSatisfy { $0.attempt == 1 })
        }
    }

    @Test func aCompletionAfterTheLeaseWasRescuedRecordsNothing() async throws {
        try await TestDatabase.withMigrated { client, _ in
            let db = QueueFixtures(client: client)
            let campaign = try await db.enqueuedCampaign(tokens: 4)
            let slow = db.queue("slow")
            let job = try #require(try await slow.claim(limit: 1).first)
            try await client.execute("UPDATE push.job SET lease_until = now() - interval '1 second'", logger: db.logger)
            #expect(try await db.queue("rescuer").rescueLapsedLeases().rescuedJobs == 1)
            let fast = db.queue("fast")
            let retaken = try #require(try await fast.claim(limit: 1).first)
            #expect(retaken.attempt == 2)
            let late = try await slow.complete([JobReport(job: job, allOutcomes: .accepted)])
            #expect(late.stale == [job.id])
            #expect(late.outcomesRecorded == 0)
            try await fast.complete([JobReport(job: retaken, allOutcomes: .accepted)])
            #expect(try await db.outcomes(campaign) == ["accepted": 4])
        }
    }
}

@Suite struct CompletionGuardTests {
    @Test func aJobReportedTwiceIsRecordedOnce() async throws {
        try await TestDatabase.withMigrated { client, _ in
            let db = QueueFixtures(client: client)
            let campaign = try await db.enqueuedCampaign(tokens: 3)
            let queue = db.queue("w1")
            let job = try #require(try await queue.claim(limit: 1).first)
            let report = JobReport(job: job, allOutcomes: .rejected(code: 8, reason: "InvalidToken"))
            let result = try await queue.complete([report, report])
            #expect(result.outcomesRecorded == 3)
            #expect(try await db.outcomes(campaign) == ["rejected": 3])
        }
    }
}
