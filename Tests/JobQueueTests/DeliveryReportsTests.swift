import Foundation
import JobQueue
import Logging
import PostgresNIO
import Testing
import TestSupport

@Suite struct DeliveryReportsTests {
    let logger = Logger.quiet

    @Test func aMixedCampaignReportsEveryFigure() async throws {
        try await TestDatabase.withMigrated { client, _ in
            let mixed = try await MixedCampaign.build(client: client)
            let reports = DeliveryReports(client: client, logger: logger)
            let report = try #require(try await reports.campaign(mixed.campaign))

            let progress = report.progress
            #expect(progress.campaignID == mixed.campaign)
            #expect(progress.app == "mixed")
            #expect(progress.name == "mixed outcomes")
            #expect(progress.status == .finished)
            #expect(progress.total == MixedCampaign.total)
            #expect(progress.done == MixedCampaign.total)
            #expect(progress.queued == 0 && progress.scheduled == 0 && progress.sending == 0)
            #expect(progress.outcomes == OutcomeTotals(
                accepted: MixedCampaign.accepted, rejected: MixedCampaign.rejected, failed: MixedCampaign.failed))
            #expect(progress.fractionDone == 1)
            #expect(progress.expiresAt == nil)
            let first = try #require(progress.firstOutcomeAt)
            let last = try #require(progress.lastOutcomeAt)
            #expect(first < last)  // two completions, two transactions
            #expect(progress.tokensPerSecond != nil)

            #expect(report.rejections.map { [$0.kind.rawValue, $0.code.map(String.init) ?? "-", $0.reason ?? "-", "\($0.tokens)"] } == [
                ["rejected", "8", "InvalidToken", "2"],
                ["failed", "1", "ProcessingError", "1"],
                ["failed", "-", "payload too large", "1"],
            ])
            #expect(report.tokensDisabled == [DisabledCount(reason: "invalid token", tokens: 2)])
            #expect(report.tokensDisabledTotal == 2)
            #expect(report.attempts.map { [$0.attempt, Int($0.tokens), Int($0.accepted)] }
                    == MixedCampaign.attempts.map { [$0.attempt, Int($0.tokens), Int($0.accepted)] })

            let latency = try #require(report.latency)
            #expect(latency.samples == MixedCampaign.accepted)
            #expect(latency.p50 > 0)
            #expect(latency.p50 <= latency.p95)
            #expect(latency.p95 <= latency.p99)
            #expect(latency.p99 <= latency.max)
            // The slowest accepted token is the one accepted on the retry, completed last.
            let slowest = try await QueueFixtures(client: client).scalar(
                """
                SELECT extract(epoch FROM max(recorded_at - enqueued_at))::float8 FROM push.outcome
                WHERE campaign_id = \(mixed.campaign.rawValue) AND kind = 'accepted'
                """, as: Double.self)
            #expect(abs(latency.max - slowest) < 1e-6)
        }
    }

    @Test func latencyOfACampaignEnqueuedAheadOfItsScheduleCountsFromSendAt() async throws {
        try await TestDatabase.withMigrated { client, _ in
            let mixed = try await MixedCampaign.build(client: client)
            let id = mixed.campaign.rawValue
            // Pretend the campaign was scheduled for the moment of its first accepted outcome.
            try await client.execute(
                """
                UPDATE push.campaign SET send_at =
                    (SELECT min(recorded_at) FROM push.outcome WHERE campaign_id = \(id) AND kind = 'accepted')
                WHERE id = \(id)
                """, logger: logger)
            let expectedMax = try await QueueFixtures(client: client).scalar(
                """
                SELECT extract(epoch FROM max(recorded_at) - min(recorded_at))::float8 FROM push.outcome
                WHERE campaign_id = \(id) AND kind = 'accepted'
                """, as: Double.self)
            let latency = try #require(try await DeliveryReports(client: client, logger: logger).campaign(mixed.campaign)?.latency)
            #expect(latency.p50 == 0)  // 15 of 16 accepted on the first completion, at send_at
            #expect(abs(latency.max - expectedMax) < 1e-6)
        }
    }

    @Test func everyStatementThatWritesTheLedgerRecordsTheEnqueueTime() async throws {
        try await TestDatabase.withMigrated { client, _ in
            let db = QueueFixtures(client: client)
            let campaign = try await db.enqueuedCampaign(tokens: 8, options: "max_attempts => 1", chunkSize: 2)
            let queue = db.queue("w1", lease: .milliseconds(1))
            let jobs = try await queue.claim(limit: 3).sorted { $0.id < $1.id }
            #expect(jobs.count == 3)
            try await queue.complete([JobReport(job: jobs[0], allOutcomes: .accepted)])            // completion
            #expect(try await eventually { try await queue.rescueLapsedLeases().failedJobs == 2 })  // rescue
            #expect(try await db.scalar("SELECT push.cancel_campaign(\(campaign))", as: Int64.self) == 2)  // cancel
            #expect(try await db.outcomes(campaign) == ["accepted": 2, "failed": 4, "cancelled": 2])

            let expiring = try await db.createCampaign()
            try await db.enqueueCampaign(expiring, chunkSize: 4)
            try await client.execute(
                "UPDATE push.job SET expires_at = now() - interval '1 second' WHERE campaign_id = \(expiring)",
                logger: db.logger)
            #expect(try await queue.sweep().tokens == 8)                                            // sweep
            #expect(try await db.outcomes(expiring) == ["expired": 8])

            for id in [campaign, expiring] {
                // One enqueue call per campaign: one job creation time, after the campaign's.
                let (times, missing, afterCampaign) = try await enqueueTimes(of: id, client: client)
                #expect(missing == 0)
                #expect(times == 1)
                #expect(afterCampaign)
            }
        }
    }

    private func enqueueTimes(of campaign: Int64, client: PostgresClient) async throws -> (Int64, Int64, Bool) {
        let rows = try await client.query(
            """
            SELECT count(DISTINCT o.enqueued_at), count(*) FILTER (WHERE o.enqueued_at IS NULL),
                   bool_and(o.enqueued_at >= c.created_at AND o.enqueued_at <= o.recorded_at)
            FROM push.outcome o JOIN push.campaign c ON c.id = o.campaign_id
            WHERE o.campaign_id = \(campaign)
            """, logger: logger)
        for try await row in rows.decode((Int64, Int64, Bool).self) {
            return row
        }
        throw FixtureError.noRow
    }

    @Test func migration004UpgradesAPopulatedDatabase() async throws {
        try await TestDatabase.withEmpty { client, _ in
            let bundled = try Migrator.bundled()
            let before = Migrator(migrations: bundled.migrations.filter { $0.version < 4 })
            try await before.migrate(client: client, logger: logger)
            // A campaign finished under the old schema: its outcomes have no enqueue time.
            let db = QueueFixtures(client: client)
            let campaign = try await db.enqueuedCampaign(tokens: 3)
            try await client.execute(
                """
                INSERT INTO push.outcome (campaign_id, token_id, job_id, attempt, kind)
                SELECT campaign_id, unnest(token_ids), id, 1, 'accepted' FROM push.job
                """, logger: logger)
            try await client.execute("DELETE FROM push.job", logger: logger)

            let applied = try await bundled.migrate(client: client, logger: logger)
            #expect(applied.map(\.version).contains(4))
            let report = try #require(try await DeliveryReports(client: client, logger: logger).campaign(CampaignID(campaign)))
            #expect(report.progress.status == .finished)
            #expect(report.progress.outcomes.accepted == 3)
            #expect(report.attempts == [AttemptCount(attempt: 1, tokens: 3, accepted: 3)])
            #expect(report.latency == nil)  // old rows carry no enqueue time and are left out
        }
    }

    @Test func recentCampaignsAreNewestFirstAndLimited() async throws {
        try await TestDatabase.withMigrated { client, _ in
            let db = QueueFixtures(client: client)
            try await db.makeApp()
            try await db.registerTokens(count: 3)
            var ids: [Int64] = []
            for _ in 0..<3 {
                ids.append(try await db.createCampaign())
            }
            try await db.enqueueCampaign(ids[2])
            let reports = try await DeliveryReports(client: client, logger: logger).recentCampaigns(limit: 2)
            #expect(reports.map(\.progress.campaignID.rawValue) == [ids[2], ids[1]])
            #expect(reports.map(\.progress.status) == [.sending, .empty])
            #expect(reports[0].progress.queued == 3)
            #expect(reports[0].latency == nil)
            #expect(reports[1].attempts.isEmpty)
        }
    }

    @Test func anUnknownCampaignHasNoReport() async throws {
        try await TestDatabase.withMigrated { client, _ in
            let reports = DeliveryReports(client: client, logger: logger)
            let report = try await reports.campaign(CampaignID(424242))
            let progress = try await reports.progress(CampaignID(424242))
            #expect(report == nil)
            #expect(progress == nil)
        }
    }

    @Test func everyReportStatementRunsUnderTheTimeoutReadOnly() async throws {
        // One connection: the settings must be gone when the next user of that connection runs.
        try await TestDatabase.withMigrated(maximumConnections: 1) { client, _ in
            let reports = DeliveryReports(client: client, statementTimeout: .milliseconds(1500), logger: logger)
            #expect(try await reports.effectiveStatementTimeout() == "1500ms")
            let readOnly = try await reports.inReportTransaction { connection, logger in
                for try await value in try await connection.query("SHOW transaction_read_only", logger: logger)
                    .decode(String.self) {
                    return value
                }
                return ""
            }
            #expect(readOnly == "on")
            let after = try await QueueFixtures(client: client).scalar("SHOW statement_timeout", as: String.self)
            #expect(after == "0")
        }
    }

    @Test func aStatementOverTheTimeoutIsCancelled() async throws {
        try await TestDatabase.withMigrated { client, _ in
            let reports = DeliveryReports(client: client, statementTimeout: .milliseconds(100), logger: logger)
            let failure = await refusal {
                try await reports.inReportTransaction { connection, logger in
                    try await connection.execute("SELECT pg_sleep(30)", logger: logger)
                }
            }
            #expect(failure?.state == "57014")
            #expect(failure?.message.contains("statement timeout") == true)
        }
    }

    @Test func aReportCannotWrite() async throws {
        try await TestDatabase.withMigrated { client, _ in
            let reports = DeliveryReports(client: client, logger: logger)
            let failure = await refusal {
                try await reports.inReportTransaction { connection, logger in
                    try await connection.execute("DELETE FROM push.job", logger: logger)
                }
            }
            #expect(failure?.state == "25006")
        }
    }
}
