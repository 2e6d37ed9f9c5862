import Foundation
import JobQueue
import PostgresNIO
import Testing
import TestSupport

@Suite struct ClaimTests {
    @Test func claimReturnsEverythingTheSenderNeeds() async throws {
        try await TestDatabase.withMigrated { client, _ in
            let db = QueueFixtures(client: client)
            let app = try await db.makeApp()
            let first = try await db.scalar("SELECT push.register_token('demo', 'a1a2a3')", as: Int64.self)
            let second = try await db.scalar("SELECT push.register_token('demo', 'b1b2b3b4')", as: Int64.self)
            let campaign = try await db.createCampaign(options: "expires_at => '2999-01-01Z', max_attempts => 4")
            try await db.enqueueCampaign(campaign)
            let jobs = try await db.queue("w1").claim(limit: 10)
            #expect(jobs.count == 1)
            let job = try #require(jobs.first)
            #expect(job.campaignID == CampaignID(campaign))
            #expect(job.appID == AppID(app))
            #expect(job.attempt == 1)
            #expect(job.maxAttempts == 4)
            #expect(job.expiresAt == Date(timeIntervalSince1970: 32_472_144_000))
            #expect(job.leaseUntil > Date())
            #expect(job.recipients == [
                Recipient(tokenID: TokenID(first), token: [0xA1, 0xA2, 0xA3]),
                Recipient(tokenID: TokenID(second), token: [0xB1, 0xB2, 0xB3, 0xB4]),
            ])
            #expect(try await db.queue("w2").claim(limit: 10).isEmpty)
            let record = try #require(try await db.queue("w1").campaign(CampaignID(campaign)))
            #expect(String(decoding: record.payload, as: UTF8.self) == #"{"aps":{"alert":"hello"}}"#)
            #expect(record.apnsPriority == 10)
            #expect(record.pushType == "alert")
        }
    }

    @Test func priorityThenRunAtThenIdOrder() async throws {
        try await TestDatabase.withMigrated { client, _ in
            let db = QueueFixtures(client: client)
            try await db.makeApp()
            try await db.registerTokens(count: 2)
            let late = try await db.createCampaign(options: "send_at => now() - interval '1 minute'")
            let early = try await db.createCampaign(options: "send_at => now() - interval '1 hour'")
            let urgent = try await db.createCampaign(options: "queue_priority => -5")
            let routine = try await db.createCampaign(options: "queue_priority => 5, send_at => now() - interval '2 hours'")
            for campaign in [late, early, urgent, routine] {
                try await db.enqueueCampaign(campaign, chunkSize: 1)
            }
            let queue = db.queue("w1")
            var order: [Int64] = []
            while let job = try await queue.claim(limit: 1).first {
                order.append(job.campaignID.rawValue)
            }
            #expect(order == [urgent, urgent, early, early, late, late, routine, routine])
        }
    }

    @Test func futureSendAtIsNotClaimedUntilDue() async throws {
        try await TestDatabase.withMigrated { client, _ in
            let db = QueueFixtures(client: client)
            let campaign = try await db.enqueuedCampaign(tokens: 3, options: "send_at => now() + interval '1 hour'")
            let queue = db.queue("w1")
            #expect(try await queue.claim(limit: 5).isEmpty)
            let status = try await db.scalar(
                "SELECT status FROM push.campaign_progress WHERE campaign_id = \(campaign)", as: String.self)
            #expect(status == "scheduled")
            try await db.makeDue(campaign)
            #expect(try await queue.claim(limit: 5).count == 1)
        }
    }

    @Test func tokensDisabledAfterEnqueueAreSkippedNotSent() async throws {
        try await TestDatabase.withMigrated { client, _ in
            let db = QueueFixtures(client: client)
            let campaign = try await db.enqueuedCampaign(tokens: 4)
            let victim = try await db.scalar("SELECT min(id) FROM push.device_token", as: Int64.self)
            try await client.execute(
                "UPDATE push.device_token SET status = 'disabled', disabled_at = now(), disabled_reason = 'x' WHERE id = \(victim)",
                logger: db.logger)
            let queue = db.queue("w1")
            let job = try #require(try await queue.claim(limit: 1).first)
            #expect(job.skipped == [TokenID(victim)])
            #expect(job.recipients.count == 3)
            #expect(!job.recipients.contains { $0.tokenID == TokenID(victim) })
            try await queue.complete([JobReport(job: job, allOutcomes: .accepted)])
            #expect(try await db.outcomes(campaign) == ["accepted": 3, "skipped": 1])
        }
    }
}
