import Foundation
import JobQueue
import Logging
import PostgresNIO

/// A finished campaign with every kind of outcome the report counts, built the way production
/// builds one: an app and tokens through SQL, the campaign through the SQL API, then claims and
/// completions through ``JobQueue``. Used by the report tests of JobQueue and PushWorker.
///
/// 20 tokens in 4 jobs of 5, at most 2 attempts:
/// - job 1: 5 accepted;
/// - job 2: 3 accepted, 2 rejected (code 8 `InvalidToken`, tokens disabled as "invalid token");
/// - job 3: 4 accepted, 1 failed (no code, `payload too large`);
/// - job 4: 3 accepted, 2 retried (code 1); on attempt 2, 1 accepted and 1 failed (the retry on the
///   last attempt becomes `failed`, code 1 `ProcessingError`).
public struct MixedCampaign: Sendable {
    public let campaign: CampaignID

    public static let total: Int64 = 20
    public static let accepted: Int64 = 16
    public static let rejected: Int64 = 2
    public static let failed: Int64 = 2
    /// Tokens whose outcome came on attempt 1 and 2, and how many of those were accepted.
    public static let attempts: [(attempt: Int, tokens: Int64, accepted: Int64)] = [(1, 18, 15), (2, 2, 1)]

    /// Builds it on a migrated database; `app` must not exist yet.
    public static func build(client: PostgresClient, app: String = "mixed") async throws -> MixedCampaign {
        let logger = Logger.quiet
        try await client.execute(
            """
            INSERT INTO push.app (name, topic, certificate_path) VALUES (\(app), 'com.example.mixed', '/dev/null')
            """, logger: logger)
        try await client.execute(
            """
            INSERT INTO push.device_token (app_id, token)
            SELECT push.app_id(\(app)), decode(md5(i::text || \(app)) || md5((-i)::text || \(app)), 'hex')
            FROM generate_series(1, \(total)) AS i
            """, logger: logger)
        var id: Int64 = 0
        for try await value in try await client.query(
            "SELECT push.create_campaign(\(app), '{\"aps\":{\"alert\":\"mixed\"}}', name => 'mixed outcomes', max_attempts => 2)",
            logger: logger).decode(Int64.self) {
            id = value
        }
        try await client.execute("SELECT push.enqueue_campaign(\(id), 5)", logger: logger)

        var configuration = JobQueue.Configuration()
        configuration.retryPolicy = RetryPolicy(base: .seconds(300), maximum: .seconds(300), jitter: 0)
        let queue = JobQueue(client: client, worker: WorkerID("mixed-campaign"), configuration: configuration,
                             logger: logger)
        let jobs = try await queue.claim(limit: 10).sorted { $0.id < $1.id }
        guard jobs.count == 4, jobs.allSatisfy({ $0.recipients.count == 5 }) else {
            throw MixedCampaignError.unexpectedClaim(jobs.map(\.recipients.count))
        }
        var reports = jobs.map { JobReport(job: $0, allOutcomes: .accepted) }
        for index in 3..<5 {
            reports[1].record(.rejected(code: 8, reason: "InvalidToken", disableToken: "invalid token"),
                              forRecipientAt: index)
        }
        reports[2].record(.failed(reason: "payload too large"), forRecipientAt: 4)
        for index in 3..<5 {
            reports[3].record(.retry(code: 1, reason: "ProcessingError"), forRecipientAt: index)
        }
        try await queue.complete(reports)

        try await client.execute("UPDATE push.job SET run_at = now() WHERE campaign_id = \(id)", logger: logger)
        guard let retried = try await queue.claim(limit: 10).first, retried.recipients.count == 2 else {
            throw MixedCampaignError.retryNotClaimed
        }
        var last = JobReport(job: retried)
        last.record(.accepted, forRecipientAt: 0)
        last.record(.retry(code: 1, reason: "ProcessingError"), forRecipientAt: 1)
        try await queue.complete([last])
        return MixedCampaign(campaign: CampaignID(id))
    }
}

public enum MixedCampaignError: Error {
    case unexpectedClaim([Int])
    case retryNotClaimed
}
