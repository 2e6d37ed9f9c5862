import Foundation
import Logging
import PostgresNIO
import Testing
import TestSupport

@testable import JobQueue

/// Every statement in `Queries`, `ReportQueries` and `MigrationQueries` runs against a freshly migrated schema, so
/// a renamed column or a type mismatch fails here rather than in production.
@Suite struct QueriesTests {
    @Test func everyStatementRunsAgainstTheMigratedSchema() async throws {
        try await TestDatabase.withMigrated { client, _ in
            let logger = Logger.quiet
            let app = AppID(try await QueueFixtures(client: client).makeApp())
            let worker = WorkerID("queries-test")
            var batch = CompletionBatch()
            batch.finishedJobs = [1]
            batch.requeuedJobs = [2]
            batch.requeueDelays = [1.5]
            batch.requeueRefunds = [true]
            batch.keptJobs = [2]
            batch.keptTokens = [3]
            batch.outcomeJobs = [1]
            batch.outcomeTokens = [4]
            batch.outcomeKinds = ["rejected"]
            batch.outcomeCodes = [8]
            batch.outcomeReasons = ["InvalidToken"]
            batch.outcomeApnsIDs = [UUID(uuidString: "4f0e2b9a-6c11-4b3e-9a77-0d7e0e3d1a55")!]
            batch.disableJobs = [1]
            batch.disableTokens = [4]
            batch.disableReasons = ["invalid token"]
            batch.disableInvalidSince = [1_700_000_000]
            let statements: [(String, PostgresQuery)] = [
                ("claim", Queries.claim(worker: worker, limit: 5, leaseSeconds: 30)),
                ("complete", Queries.complete(worker: worker, batch: batch)),
                ("complete (empty)", Queries.complete(worker: worker, batch: CompletionBatch())),
                ("extendLeases", Queries.extendLeases(worker: worker, leaseSeconds: 30)),
                ("extendLeases (held)", Queries.extendLeases(worker: worker, leaseSeconds: 30, jobs: [1, 2])),
                ("releaseAll", Queries.releaseAll(worker: worker)),
                ("release", Queries.release(worker: worker, jobs: [1, 2])),
                ("rescue", Queries.rescue(limit: 10)),
                ("rescue (held by)", Queries.rescue(limit: 10, heldBy: worker)),
                ("lockJobs", Queries.lockJobs(heldBy: worker, limit: 10)),
                ("sweep", Queries.sweep(limit: 10)),
                ("heartbeat", Queries.heartbeat(worker: worker, host: "h", pid: 1, version: "v")),
                ("workerStopped", Queries.workerStopped(worker: worker)),
                ("recordCredentialError", Queries.recordCredentialError(app: app, message: "x")),
                ("recordCredentialError (clear)", Queries.recordCredentialError(app: app, message: nil)),
                ("campaign", Queries.campaign(id: CampaignID(1))),
                ("recordTokenInvalid", Queries.recordTokenInvalid(app: app, token: [1, 2], invalidAt: Date())),
                ("recordFeedbackBatch", Queries.recordFeedbackBatch(app: app, tokens: [ByteBuffer(bytes: [1, 2])], invalidAt: [Date()])),
                ("notify", Queries.notify(channel: WakeUpSource.channel, payload: "test")),
                ("apps", Queries.apps()),
                ("claim (excluding apps)", Queries.claim(worker: worker, limit: 5, leaseSeconds: 30, excludingApps: [1, 2])),
                ("hasPendingWork", Queries.hasPendingWork(excludingApps: [])),
                ("apps (by id)", Queries.apps(id: app)),
                ("apps (by name)", Queries.apps(name: "x")),
                ("history", MigrationQueries.history),
                ("report session", ReportQueries.session(statementTimeout: 5000)),
                ("report recentCampaigns", ReportQueries.recentCampaigns(limit: 20)),
                ("report progress", ReportQueries.progress(campaign: CampaignID(1))),
                ("report rejections", ReportQueries.rejections(campaign: CampaignID(1))),
                ("report tokensDisabled", ReportQueries.tokensDisabled(campaign: CampaignID(1))),
                ("report attempts", ReportQueries.attempts(campaign: CampaignID(1))),
                ("report latency", ReportQueries.latency(campaign: CampaignID(1))),
                ("report showStatementTimeout", ReportQueries.showStatementTimeout),
            ]
            for (name, statement) in statements {
                do {
                    try await client.execute(statement, logger: logger)
                } catch {
                    Issue.record("\(name): \(PostgresErrorText.message(of: error))")
                }
            }
        }
    }

    @Test func outcomeKindsMirrorTheDatabaseEnum() async throws {
        try await TestDatabase.withMigrated { client, _ in
            let labels = try await QueueFixtures(client: client).scalar(
                "SELECT array_agg(enumlabel::text ORDER BY enumsortorder) FROM pg_enum WHERE enumtypid = 'push.outcome_kind'::regtype",
                as: [String].self)
            #expect(labels == OutcomeKind.allCases.map(\.rawValue))
        }
    }
}
