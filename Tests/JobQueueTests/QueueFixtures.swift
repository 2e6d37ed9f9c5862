import Foundation
import JobQueue
import Logging
import PostgresNIO
import TestSupport

/// Small SQL-API steps the queue tests share, written the way an operator would in psql.
struct QueueFixtures {
    let client: PostgresClient
    let logger = Logger.quiet

    /// Creates an app named `name`; returns its id.
    @discardableResult
    func makeApp(_ name: String = "demo", transport: String = "binary") async throws -> Int32 {
        try await scalar(
            """
            INSERT INTO push.app (name, topic, transport, certificate_path)
            VALUES (\(name), 'com.example.demo', \(transport)::push.transport, '/etc/pushworker/demo.p12')
            RETURNING id
            """, as: Int32.self)
    }

    /// Registers `count` distinct 32-byte tokens for `app` (token i is 32 bytes derived from i + salt).
    func registerTokens(app: String = "demo", count: Int, salt: Int = 0) async throws {
        try await client.execute(
            """
            INSERT INTO push.device_token (app_id, token)
            SELECT push.app_id(\(app)), decode(md5((i + \(salt))::text) || md5((-(i + \(salt)))::text), 'hex')
            FROM generate_series(1, \(count)) AS i
            """, logger: logger)
    }

    /// create_campaign with optional extra named arguments spliced as SQL (test-only convenience).
    func createCampaign(app: String = "demo", payload: String = #"{"aps":{"alert":"hello"}}"#,
                        options: String = "") async throws -> Int64 {
        let extra = options.isEmpty ? "" : ", " + options
        return try await scalar("SELECT push.create_campaign(\(app), \(payload)\(unescaped: extra))", as: Int64.self)
    }

    /// An app "demo" with `tokens` tokens and one campaign with all of them enqueued.
    func enqueuedCampaign(tokens: Int, options: String = "", chunkSize: Int32 = 1000) async throws -> Int64 {
        try await makeApp()
        try await registerTokens(count: tokens)
        let campaign = try await createCampaign(options: options)
        try await enqueueCampaign(campaign, chunkSize: chunkSize)
        return campaign
    }

    @discardableResult
    func enqueueCampaign(_ campaign: Int64, chunkSize: Int32 = 1000) async throws -> Int64 {
        try await scalar("SELECT push.enqueue_campaign(\(campaign), \(chunkSize))", as: Int64.self)
    }

    /// Outcome rows of a campaign per kind.
    func outcomes(_ campaign: Int64) async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        let rows = try await client.query(
            "SELECT kind::text, count(*) FROM push.outcome WHERE campaign_id = \(campaign) GROUP BY 1", logger: logger)
        for try await (kind, count) in rows.decode((String, Int64).self) {
            counts[kind] = Int(count)
        }
        return counts
    }

    /// Runs a query returning one value.
    func scalar<Value: PostgresDecodable & Sendable>(_ query: PostgresQuery, as type: Value.Type) async throws -> Value {
        let rows = try await client.query(query, logger: logger)
        for try await value in rows.decode(Value.self) {
            return value
        }
        throw FixtureError.noRow
    }

    func queue(_ worker: String, lease: Duration = .seconds(60), retry: RetryPolicy = RetryPolicy()) -> JobQueue {
        var configuration = JobQueue.Configuration()
        configuration.leaseDuration = lease
        configuration.retryPolicy = retry
        return JobQueue(client: client, worker: WorkerID(worker), configuration: configuration, logger: logger)
    }

    /// Makes every waiting job of a campaign due now (stands in for waiting out a back-off).
    func makeDue(_ campaign: Int64) async throws {
        try await client.execute(
            "UPDATE push.job SET run_at = now() WHERE campaign_id = \(campaign) AND state = 'available'",
            logger: logger)
    }
}

enum FixtureError: Error {
    case noRow
}

/// The SQLSTATE and message of a failed statement, for asserting SQL API refusals.
func refusal(_ body: () async throws -> Void) async -> (state: String?, message: String)? {
    do {
        try await body()
        return nil
    } catch {
        return (PostgresErrorText.sqlState(of: error), PostgresErrorText.message(of: error))
    }
}
