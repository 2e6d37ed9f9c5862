import Foundation
import JobQueue
import MockGateway
import NIOCore
import PostgresNIO
import Testing
import TestSupport

/// The group roles of migration 006 against a real PostgreSQL: each login role is granted exactly
/// one group and must be able to do its job, and be refused (SQLSTATE 42501) everything else.
@Suite("Least-privilege roles", .serialized)
struct LeastPrivilegeTests {
    @Test("a login role granted only pushworker_worker runs the worker end to end; the ledgers agree")
    func workerRoleRunsTheWorker() async throws {
        let tokens = (0..<600).map { WorkerHarness.token($0, salt: 21) }
        let invalid = stride(from: 7, to: tokens.count, by: 60).map { tokens[$0] }
        let faults = FaultPlan(invalidTokens: Set(invalid.map { ByteBuffer(bytes: $0) }), abruptCloseEvery: 250)
        try await WorkerHarness.with(faults: faults) { harness in
            try await harness.makeApp("roles")
            let campaign = try await harness.enqueueCampaign(app: "roles", tokens: tokens)
            try await LoginRole.with(granted: "pushworker_worker", database: harness.url, admin: harness.client) { client in
                let restricted = WorkerHarness(client: client, url: harness.url, pki: harness.pki,
                                               gateway: harness.gateway, ledgerPath: harness.ledgerPath)
                try await restricted.runUntilIdle(id: "restricted-worker")
            }
            let verdict = try harness.verdict(campaigns: [campaign], invalid: invalid)
            #expect(verdict.exitStatus == 0, "\(verdict)")
            #expect(verdict.unaccounted == 0 && verdict.lost == 0, "\(verdict)")
            #expect(verdict.detail["delivered_unrecorded"] == 0, "\(verdict)")
            #expect(verdict.rejected == invalid.count, "\(verdict)")
            #expect(verdict.accepted == tokens.count - invalid.count, "\(verdict)")
            let disabled = try await harness.scalar(
                "SELECT count(*) FROM push.device_token WHERE status = 'disabled'", as: Int64.self)
            #expect(disabled == Int64(invalid.count), "rejections disable their tokens under the worker role")
            let stopped = try await harness.scalar(
                "SELECT count(*) FROM push.worker WHERE id = 'restricted-worker' AND stopped_at IS NOT NULL", as: Int64.self)
            #expect(stopped == 1, "heartbeat and stop are recorded under the worker role")
        }
    }

    @Test("the worker role can lease, extend, release, rescue, sweep and record credential errors and feedback")
    func workerRoleHousekeeping() async throws {
        try await WorkerHarness.with { harness in
            let app = AppID(try await harness.makeApp("chores"))
            let live = try await harness.scalar(#"SELECT push.create_campaign('chores', '{"aps":{}}')"#, as: Int64.self)
            let liveTokens = (0..<40).map { WorkerHarness.hex(WorkerHarness.token($0, salt: 22)) }
            _ = try await harness.scalar("SELECT push.enqueue_tokens(\(live), \(liveTokens), 10)", as: Int64.self)
            let expired = try await harness.scalar(
                "SELECT push.create_campaign('chores', '{}', expires_at => now() - interval '1 hour')", as: Int64.self)
            let expiredTokens = (0..<30).map { WorkerHarness.hex(WorkerHarness.token($0, salt: 23)) }
            _ = try await harness.scalar("SELECT push.enqueue_tokens(\(expired), \(expiredTokens), 10)", as: Int64.self)

            try await LoginRole.with(granted: "pushworker_worker", database: harness.url, admin: harness.client) { client in
                let queue = JobQueue(client: client, worker: WorkerID("chores-worker"), logger: harness.logger)
                try await queue.heartbeat(host: "test", pid: 1, version: "test")
                #expect(try await queue.hasPendingWork())
                #expect(try await queue.apps().map(\.name) == ["chores"])
                #expect(try await queue.campaign(CampaignID(live)) != nil)

                let swept = try await queue.sweep()
                #expect(swept.tokens == 30, "the expired campaign's tokens end as expired outcomes")

                let claimed = try await queue.claim(limit: 10)
                #expect(claimed.count == 4, "40 tokens in chunks of 10")
                #expect(try await queue.extendLeases() == claimed.count)
                #expect(try await queue.release([claimed[0].id]) == 1)
                // Lapse the remaining leases (as the administrator) so the rescuer has work.
                try await harness.client.execute(
                    "UPDATE push.job SET lease_until = now() - interval '1 second' WHERE state = 'running'",
                    logger: harness.logger)
                let rescued = try await queue.rescueLapsedLeases()
                #expect(rescued.rescuedJobs == claimed.count - 1)
                _ = try await queue.claim(limit: 10)
                #expect(try await queue.releaseAll() > 0)

                try await queue.recordCredentialError(app: app, message: "certificate file missing")
                try await queue.recordCredentialError(app: app, message: nil)
                let reports = (0..<5).map {
                    InvalidTokenReport(token: WorkerHarness.token($0, salt: 22), invalidAt: Date(timeIntervalSinceNow: 3600))
                }
                let tally = try await queue.recordInvalidTokens(app: app, reports: reports)
                #expect(tally.disabled == 5, "\(tally)")
                let action = try await queue.recordTokenInvalid(
                    app: app, token: WorkerHarness.token(39, salt: 22), invalidAt: Date(timeIntervalSinceNow: 3600))
                #expect(action == "disabled")
                try await queue.markStopped()
            }
            let outcomes = try await harness.scalar(
                "SELECT count(*) FROM push.outcome WHERE campaign_id = \(expired) AND kind = 'expired'", as: Int64.self)
            #expect(outcomes == 30)
        }
    }

    @Test("the feedback job runs under the worker role: reads the feedback service, disables and logs tokens")
    func workerRoleRunsTheFeedbackJob() async throws {
        try await FeedbackFixture.with { fixture in
            try await fixture.makeApp("listening")
            try await LoginRole.with(granted: "pushworker_worker", database: fixture.url, admin: fixture.client) { client in
                let restricted = FeedbackFixture(client: client, url: fixture.url, pki: fixture.pki, gateway: fixture.gateway)
                let outcomes = try await restricted.job().runOnce()
                #expect(outcomes.count == 1)
                if case .failure(let failure) = outcomes.first?.result {
                    Issue.record("the feedback job failed under the worker role: \(failure)")
                }
            }
            let statuses = try await fixture.statuses(app: "listening")
            #expect(statuses[FeedbackFixture.hex(FeedbackFixture.Token.disabled)] == "disabled")
            #expect(statuses[FeedbackFixture.hex(FeedbackFixture.Token.kept)] == "active")
        }
    }

    @Test("the worker role is refused DDL, creating apps and campaigns, and anything outside its statements")
    func workerRoleRefusals() async throws {
        try await TestDatabase.withMigrated { admin, url in
            try await admin.execute("CREATE SCHEMA elsewhere", logger: .quiet)
            try await admin.execute("CREATE TABLE elsewhere.secret (value text)", logger: .quiet)
            try await LoginRole.with(granted: "pushworker_worker", database: url, admin: admin) { worker in
                let refused: [PostgresQuery] = [
                    "INSERT INTO push.app (name, topic, certificate_path) VALUES ('evil', 'x', '/tmp/x.p12')",
                    "SELECT push.create_campaign('any', '{}')",
                    "SELECT push.register_token('any', 'aa')",
                    "SELECT push.enqueue_campaign(1)",
                    "SELECT push.cancel_campaign(1)",
                    "SELECT push.enqueue_audience(1, NULL, 10)",
                    "DROP TABLE push.outcome",
                    "CREATE TABLE push.extra (id integer)",
                    "ALTER TABLE push.job ADD COLUMN extra integer",
                    "TRUNCATE push.outcome",
                    "DELETE FROM push.outcome",
                    "UPDATE push.outcome SET reason = 'rewritten'",
                    "INSERT INTO push.job (campaign_id, app_id, priority, run_at, expires_at, max_attempts, token_ids, tokens) VALUES (1, 1, 0, now(), 'infinity', 1, '{1}', '{}')",
                    "UPDATE push.job SET cancelled = true",
                    "UPDATE push.app SET certificate_path = '/tmp/evil.p12'",
                    "UPDATE push.campaign SET payload = '{}'",
                    "INSERT INTO push.device_token (app_id, token) VALUES (1, '\\x01')",
                    "DELETE FROM push.device_token",
                    "DELETE FROM push.schema_migration",
                    // retention is the owner's (pushworker prune)
                    "DELETE FROM push.recipient",
                    "DELETE FROM push.campaign",
                    "SELECT * FROM push.campaign_pruning",
                    "SELECT * FROM elsewhere.secret",
                    "SELECT * FROM pg_catalog.pg_authid",
                ]
                for statement in refused {
                    await LoginRole.expectRefused(statement, on: worker)
                }
            }
        }
    }

    @Test("an enqueuer role uses the SQL API but cannot claim jobs or write outcomes")
    func enqueuerRole() async throws {
        try await TestDatabase.withMigrated { admin, url in
            try await admin.execute(
                "INSERT INTO push.app (name, topic, certificate_path) VALUES ('shop', 'com.example.shop', '/tmp/shop.p12')",
                logger: .quiet)
            try await LoginRole.with(granted: "pushworker_enqueuer", database: url, admin: admin) { enqueuer in
                func scalar(_ query: PostgresQuery) async throws -> Int64 {
                    for try await value in try await enqueuer.query(query, logger: .quiet).decode(Int64.self) { return value }
                    throw HarnessError("no row")
                }
                let hex = (0..<20).map { WorkerHarness.hex(WorkerHarness.token($0, salt: 24)) }
                #expect(try await scalar("SELECT push.register_tokens('shop', \(hex))") == 20)
                #expect(try await scalar("SELECT push.register_token('shop', \(hex[0]))") > 0)
                let campaign = try await scalar(#"SELECT push.create_campaign('shop', '{"aps":{}}')"#)
                #expect(try await scalar("SELECT push.enqueue_campaign(\(campaign), 5)") == 20)
                let second = try await scalar(#"SELECT push.create_campaign('shop', '{"aps":{}}')"#)
                #expect(try await scalar(
                    "SELECT push.enqueue_token_ids(\(second), ARRAY(SELECT id FROM push.device_token LIMIT 5))") == 5)
                #expect(try await scalar("SELECT push.enqueue_tokens(\(second), \(hex), 5)") == 15)
                #expect(try await scalar("SELECT push.cancel_campaign(\(second))") == 20)
                // the API's own errors still come through, unchanged
                do {
                    _ = try await scalar("SELECT push.create_campaign('nope', '{}')")
                    Issue.record("an unknown app must fail")
                } catch {
                    #expect(PostgresErrorText.sqlState(of: error) == "PWA01", "\(PostgresErrorText.message(of: error))")
                }

                let refused: [PostgresQuery] = [
                    "UPDATE push.job SET state = 'running', lease_owner = 'me', lease_until = now()",
                    "SELECT id FROM push.job FOR UPDATE SKIP LOCKED",
                    "DELETE FROM push.job",
                    "INSERT INTO push.outcome (campaign_id, token_id, job_id, attempt, kind) VALUES (1, 1, 1, 1, 'accepted')",
                    "SELECT push.record_feedback_batch(1, '{}', '{}')",
                    "SELECT push.enqueue_audience(1, NULL, 10)",
                    "INSERT INTO push.app (name, topic, certificate_path) VALUES ('evil', 'x', '/tmp/x.p12')",
                    "UPDATE push.device_token SET status = 'disabled', disabled_at = now()",
                    "INSERT INTO push.campaign (app_id, payload, payload_bytes) VALUES (1, '{}', 2)",
                    "DROP TABLE push.job",
                ]
                for statement in refused {
                    await LoginRole.expectRefused(statement, on: enqueuer)
                }
            }
            let jobs = try await admin.query("SELECT count(*) FROM push.job", logger: .quiet).decode(Int64.self)
            for try await count in jobs { #expect(count == 4, "the first campaign's 20 tokens in chunks of 5") }
        }
    }

    @Test("a reporter role reads the report views and nothing else")
    func reporterRole() async throws {
        try await TestDatabase.withMigrated { admin, url in
            try await admin.execute(
                "INSERT INTO push.app (name, topic, certificate_path) VALUES ('shop', 'com.example.shop', '/tmp/shop.p12')",
                logger: .quiet)
            try await admin.execute(
                #"SELECT push.enqueue_tokens(push.create_campaign('shop', '{"aps":{}}'), '{aa,bb}')"#, logger: .quiet)
            try await LoginRole.with(granted: "pushworker_reporter", database: url, admin: admin) { reporter in
                // what `pushworker report` runs
                let reports = DeliveryReports(client: reporter, logger: .quiet)
                let recent = try await reports.recentCampaigns(limit: 5)
                #expect(recent.count == 1)
                let readable: [PostgresQuery] = [
                    "SELECT * FROM push.campaign_progress", "SELECT * FROM push.campaign_rejections",
                    "SELECT * FROM push.throughput", "SELECT * FROM push.tokens_disabled",
                    "SELECT * FROM push.worker_status", "SELECT * FROM push.campaign_latency",
                    "SELECT * FROM push.campaign_attempts", "SELECT * FROM push.campaign_tokens_disabled",
                    "SELECT * FROM push.app_endpoint",
                    "SELECT id FROM push.campaign ORDER BY created_at DESC, id DESC LIMIT 5",
                ]
                for statement in readable {
                    try await reporter.execute(statement, logger: .quiet)
                }
                let refused: [PostgresQuery] = [
                    "SELECT * FROM push.outcome", "SELECT * FROM push.job", "SELECT * FROM push.device_token",
                    "SELECT certificate_path FROM push.app", "SELECT payload FROM push.campaign",
                    "SELECT push.register_token('any', 'aa')", "SELECT push.create_campaign('any', '{}')",
                    "SELECT push.cancel_campaign(1)", "UPDATE push.job SET attempt = 0",
                    "INSERT INTO push.worker (id, host, pid, version) VALUES ('w', 'h', 1, 'v')",
                    "CREATE VIEW push.mine AS SELECT 1",
                ]
                for statement in refused {
                    await LoginRole.expectRefused(statement, on: reporter)
                }
            }
        }
    }

    @Test("no function in schema push is executable by PUBLIC: each is granted to a role on purpose")
    func noFunctionForPublic() async throws {
        try await TestDatabase.withMigrated { admin, _ in
            let rows = try await admin.query(
                """
                SELECT p.oid::regprocedure::text FROM pg_proc p
                WHERE p.pronamespace = 'push'::regnamespace
                  AND (p.proacl IS NULL OR EXISTS (SELECT 1 FROM aclexplode(p.proacl) a
                                                   WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE'))
                """, logger: .quiet)
            var open: [String] = []
            for try await name in rows.decode(String.self) { open.append(name) }
            #expect(open.isEmpty, "executable by PUBLIC: \(open)")
        }
    }

    @Test("migrating a second database on the same cluster keeps the roles and grants them there too")
    func rolesAcrossDatabases() async throws {
        try await TestDatabase.withMigrated { first, firstURL in
            try await TestDatabase.withMigrated { second, secondURL in
                for (admin, url) in [(first, firstURL), (second, secondURL)] {
                    try await LoginRole.with(granted: "pushworker_reporter", database: url, admin: admin) { reporter in
                        try await reporter.execute("SELECT * FROM push.campaign_progress", logger: .quiet)
                    }
                }
            }
        }
    }
}
