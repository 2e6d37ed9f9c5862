import Foundation
import JobQueue
import PostgresNIO
import Testing
import TestSupport

@Suite struct RetentionTests {
    static let day: TimeInterval = 86_400

    @Test func pruneRemovesOnlyCampaignsFinishedBeforeTheCutoff() async throws {
        try await TestDatabase.withMigrated { client, _ in
            let db = QueueFixtures(client: client)
            try await db.makeApp()
            try await db.registerTokens(count: 45)
            // Claims take the oldest jobs first, so the unfinished campaign comes last.
            let old = try await campaign(db, finished: true)
            let recent = try await campaign(db, finished: true)
            let unfinished = try await campaign(db, finished: false)
            let cancelled = try await db.createCampaign()
            try await db.enqueueCampaign(cancelled, chunkSize: 10)
            _ = try await db.scalar("SELECT push.cancel_campaign(\(cancelled))", as: Int64.self)
            let never = try await db.createCampaign()
            for id in [old, unfinished, cancelled, never] {
                try await age(db, campaign: id, days: 40)
            }
            let before = try await rowCounts(db, [unfinished, recent, never])

            let retention = QueueRetention(client: client, batchSize: 7, logger: db.logger)
            let result = try await retention.prune(before: Date().addingTimeInterval(-30 * Self.day))

            #expect(result.campaigns == 2)
            #expect(result.campaignsCompleted == 2)
            #expect(result.recipients == 90 && result.outcomes == 90)
            // 45 tokens in batches of 7: 7 batches with rows and one empty, per campaign.
            #expect(result.batches > 2 * 7)
            for gone in [old, cancelled] {
                #expect(try await rowCounts(db, [gone]) == [gone: RowCounts(campaign: 0, recipients: 0, outcomes: 0)])
            }
            #expect(try await rowCounts(db, [unfinished, recent, never]) == before)
            #expect(try await db.scalar("SELECT count(*) FROM push.campaign_pruning", as: Int64.self) == 0)
            // A second run finds nothing.
            #expect(try await retention.prune(before: Date().addingTimeInterval(-30 * Self.day)).campaigns == 0)
        }
    }

    @Test func aCampaignWhoseLastOutcomeIsNewerThanTheCutoffStays() async throws {
        try await TestDatabase.withMigrated { client, _ in
            let db = QueueFixtures(client: client)
            try await db.makeApp()
            try await db.registerTokens(count: 20)
            let campaign = try await campaign(db, finished: true)
            try await age(db, campaign: campaign, days: 40)
            // One token's outcome came late (a retry long after the rest).
            try await client.execute(
                """
                UPDATE push.outcome SET recorded_at = now() - interval '1 day'
                WHERE campaign_id = \(campaign) AND token_id = (SELECT min(token_id) FROM push.outcome WHERE campaign_id = \(campaign))
                """, logger: db.logger)
            let result = try await QueueRetention(client: client, logger: db.logger)
                .prune(before: Date().addingTimeInterval(-30 * Self.day))
            #expect(result.campaigns == 0 && result.outcomes == 0)
            #expect(try await rowCounts(db, [campaign]) == [campaign: RowCounts(campaign: 1, recipients: 20, outcomes: 20)])
        }
    }

    @Test func aCampaignLockedByAnEnqueueIsLeftForTheNextRun() async throws {
        try await TestDatabase.withMigrated { client, url in
            let db = QueueFixtures(client: client)
            try await db.makeApp()
            try await db.registerTokens(count: 10)
            let campaign = try await campaign(db, finished: true)
            try await age(db, campaign: campaign, days: 40)
            let cutoff = Date().addingTimeInterval(-30 * Self.day)
            // Another session holds the campaign row the way enqueue_* does while it adds jobs.
            let whileLocked = try await withRunningClient(url.clientConfiguration(), logger: db.logger) { other in
                try await other.withTransaction(logger: db.logger) { connection in
                    try await connection.execute(
                        "SELECT 1 FROM push.campaign WHERE id = \(campaign) FOR NO KEY UPDATE", logger: db.logger)
                    return try await QueueRetention(client: client, logger: db.logger).prune(before: cutoff)
                }
            }
            #expect(whileLocked.campaigns == 0 && whileLocked.recipients == 0)
            let after = try await QueueRetention(client: client, logger: db.logger).prune(before: cutoff)
            #expect(after.campaigns == 1 && after.recipients == 10 && after.outcomes == 10)
        }
    }

    @Test func anInterruptedPruneIsFinishedByTheNextRun() async throws {
        try await TestDatabase.withMigrated { client, _ in
            let db = QueueFixtures(client: client)
            try await db.makeApp()
            try await db.registerTokens(count: 30)
            let campaign = try await campaign(db, finished: true)
            // What a run that stopped after retiring the campaign and one batch leaves behind.
            try await client.execute(
                """
                WITH gone AS (DELETE FROM push.campaign WHERE id = \(campaign) RETURNING id, app_id, name, recipient_count)
                INSERT INTO push.campaign_pruning (campaign_id, app_id, name, recipient_count)
                SELECT id, app_id, name, recipient_count FROM gone
                """, logger: db.logger)
            try await client.execute(
                """
                WITH picked AS (SELECT token_id FROM push.recipient WHERE campaign_id = \(campaign) ORDER BY token_id LIMIT 10),
                     o AS (DELETE FROM push.outcome WHERE campaign_id = \(campaign) AND token_id IN (SELECT token_id FROM picked))
                DELETE FROM push.recipient WHERE campaign_id = \(campaign) AND token_id IN (SELECT token_id FROM picked)
                """, logger: db.logger)
            // The cutoff retires nothing new; the note alone leads the next run to the rest.
            let result = try await QueueRetention(client: client, batchSize: 8, logger: db.logger).prune(before: .distantPast)
            #expect(result.campaigns == 0 && result.campaignsCompleted == 1)
            #expect(result.recipients == 20 && result.outcomes == 20)
            #expect(try await rowCounts(db, [campaign]) == [campaign: RowCounts(campaign: 0, recipients: 0, outcomes: 0)])
            #expect(try await db.scalar("SELECT count(*) FROM push.campaign_pruning", as: Int64.self) == 0)
        }
    }

    @Test func oldFeedbackEventsAndIdleWorkerRowsGo() async throws {
        try await TestDatabase.withMigrated { client, _ in
            let db = QueueFixtures(client: client)
            let app = try await db.makeApp()
            try await client.execute(
                """
                INSERT INTO push.feedback_event (app_id, token, invalid_at, received_at, action)
                SELECT \(app), decode(md5(i::text), 'hex'), now() - interval '50 days',
                       now() - make_interval(days => CASE WHEN i <= 12 THEN 40 ELSE 1 END), 'disabled'
                FROM generate_series(1, 15) AS i
                """, logger: db.logger)
            try await client.execute(
                """
                INSERT INTO push.worker (id, host, pid, version, last_seen_at, stopped_at) VALUES
                    ('gone', 'h', 1, 'v', now() - interval '40 days', now() - interval '40 days'),
                    ('dead-with-lease', 'h', 2, 'v', now() - interval '40 days', NULL),
                    ('alive', 'h', 3, 'v', now(), NULL)
                """, logger: db.logger)
            _ = try await db.enqueuedCampaignForApp(tokens: 5)
            _ = try await db.queue("dead-with-lease").claim(limit: 1)

            let result = try await QueueRetention(client: client, batchSize: 5, logger: db.logger)
                .prune(before: Date().addingTimeInterval(-30 * Self.day))
            #expect(result.feedbackEvents == 12)
            #expect(result.workers == 1)
            #expect(try await db.scalar("SELECT count(*) FROM push.feedback_event", as: Int64.self) == 3)
            let workers = try await db.scalar("SELECT string_agg(id, ',' ORDER BY id) FROM push.worker", as: String.self)
            #expect(workers == "alive,dead-with-lease")
        }
    }

    @Test func theTablesThatGrowCarryTheirAutovacuumSettings() async throws {
        try await TestDatabase.withMigrated { client, _ in
            let db = QueueFixtures(client: client)
            var options: [String: String] = [:]
            for try await (table, settings) in try await client.query(
                """
                SELECT c.relname::text, array_to_string(c.reloptions, ',')
                FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'push' AND c.relname IN ('job', 'outcome', 'recipient', 'worker')
                """, logger: db.logger).decode((String, String).self) {
                options[table] = settings
            }
            #expect(options["outcome"]?.contains("autovacuum_vacuum_insert_scale_factor=0.02") == true)
            #expect(options["outcome"]?.contains("autovacuum_vacuum_scale_factor=0.02") == true)
            #expect(options["recipient"]?.contains("autovacuum_vacuum_scale_factor=0.02") == true)
            #expect(options["worker"]?.contains("fillfactor=50") == true)
            #expect(options["job"]?.contains("autovacuum_vacuum_threshold=500") == true)
        }
    }

    // Fixtures -------------------------------------------------------------------------------------

    /// A campaign of every registered token in jobs of 10: all completed as accepted when
    /// `finished`, otherwise one job completed and the rest left waiting.
    private func campaign(_ db: QueueFixtures, finished: Bool) async throws -> Int64 {
        let campaign = try await db.createCampaign()
        try await db.enqueueCampaign(campaign, chunkSize: 10)
        let queue = db.queue("w-\(campaign)")
        while true {
            let jobs = try await queue.claim(limit: finished ? 10 : 1).filter { $0.campaignID.rawValue == campaign }
            if jobs.isEmpty { break }
            try await queue.complete(jobs.map { JobReport(job: $0, allOutcomes: .accepted) })
            if !finished { break }
        }
        return campaign
    }

    /// Moves a campaign and its outcomes `days` into the past.
    private func age(_ db: QueueFixtures, campaign: Int64, days: Int) async throws {
        try await db.client.execute(
            """
            UPDATE push.campaign SET created_at = created_at - make_interval(days => \(days)::integer),
                send_at = send_at - make_interval(days => \(days)::integer),
                cancelled_at = cancelled_at - make_interval(days => \(days)::integer)
            WHERE id = \(campaign)
            """, logger: db.logger)
        try await db.client.execute(
            "UPDATE push.outcome SET recorded_at = recorded_at - make_interval(days => \(days)::integer) WHERE campaign_id = \(campaign)",
            logger: db.logger)
    }

    struct RowCounts: Equatable {
        var campaign: Int64
        var recipients: Int64
        var outcomes: Int64
    }

    private func rowCounts(_ db: QueueFixtures, _ campaigns: [Int64]) async throws -> [Int64: RowCounts] {
        var counts: [Int64: RowCounts] = [:]
        for id in campaigns {
            counts[id] = RowCounts(
                campaign: try await db.scalar("SELECT count(*) FROM push.campaign WHERE id = \(id)", as: Int64.self),
                recipients: try await db.scalar("SELECT count(*) FROM push.recipient WHERE campaign_id = \(id)", as: Int64.self),
                outcomes: try await db.scalar("SELECT count(*) FROM push.outcome WHERE campaign_id = \(id)", as: Int64.self))
        }
        return counts
    }
}

extension QueueFixtures {
    /// A campaign of the app "demo" with `tokens` new tokens enqueued (the app must exist).
    func enqueuedCampaignForApp(tokens: Int) async throws -> Int64 {
        try await registerTokens(count: tokens, salt: 1_000_000)
        let campaign = try await createCampaign()
        try await enqueueCampaign(campaign)
        return campaign
    }
}
