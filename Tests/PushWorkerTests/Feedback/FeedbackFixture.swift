import APNSBinary
import Foundation
import JobQueue
import Logging
import Metrics
import MockGateway
import NIOCore
import PostgresNIO
import PushWorker
import TestSupport

/// A migrated database and a mock gateway whose feedback service serves a fixed list over mutual
/// TLS (the same list on every connection, so a second run reads it again).
struct FeedbackFixture {
    static let sharedPKI = Result { try TestPKI() }
    static let passphraseVariable = "PUSHWORKER_TEST_FEEDBACK_PASS"

    let client: PostgresClient
    let url: DatabaseURL
    let pki: TestPKI
    let gateway: MockGateway
    var logger = Logger.quiet

    /// One day before now: the reported time of every tuple the fixture serves.
    static let reportedAt = UInt32(Date().timeIntervalSince1970) - 86_400

    /// Three tokens: `kept` is registered now (after the report), `disabled` was last registered
    /// two days ago (before it), `unknown` is never registered.
    enum Token {
        static let kept = [UInt8](repeating: 0xA1, count: 32)
        static let disabled = [UInt8](repeating: 0xB2, count: 32)
        static let unknown = [UInt8](repeating: 0xC3, count: 32)
    }

    static func with<Result: Sendable>(_ body: (FeedbackFixture) async throws -> Result) async throws -> Result {
        let pki = try sharedPKI.get()
        let tuples = [Token.kept, Token.disabled, Token.unknown].map {
            FeedbackTuple(timestamp: reportedAt, deviceToken: ByteBuffer(bytes: $0))
        }
        let gateway = try await MockGateway.start(
            MockGatewayConfiguration(tls: try pki.serverTLS(), feedback: FeedbackPlan(tuples: tuples)))
        do {
            let result = try await TestDatabase.withMigrated { client, url in
                try await body(FeedbackFixture(client: client, url: url, pki: pki, gateway: gateway))
            }
            try await gateway.stop()
            return result
        } catch {
            try? await gateway.stop()
            throw error
        }
    }

    /// Adds an app reading this gateway's feedback service with the test `.p12`, its passphrase
    /// from `passphraseVariable`; registers `kept` now and `disabled` two days ago.
    func makeApp(
        _ name: String, passphraseVariable: String = Self.passphraseVariable, feedbackPort: Int? = nil,
        certificate: String? = nil
    ) async throws {
        try await client.execute(
            """
            INSERT INTO push.app (name, topic, gateway_host, gateway_port, feedback_host, feedback_port,
                                  certificate_path, passphrase_env, ca_file)
            VALUES (\(name), 'com.example.pushworker', '127.0.0.1', \(Int32(gateway.gatewayPort)), '127.0.0.1',
                    \(Int32(feedbackPort ?? gateway.feedbackPort ?? 0)), \(certificate ?? pki.files.clientPKCS12), \(passphraseVariable),
                    \(pki.files.caCertificate))
            """, logger: logger)
        try await client.execute(
            "SELECT push.register_tokens(\(name), \([Self.hex(Token.kept), Self.hex(Token.disabled)]))", logger: logger)
        try await client.execute(
            """
            UPDATE push.device_token SET last_registered_at = now() - interval '2 days'
            WHERE app_id = push.app_id(\(name)) AND token = \(ByteBuffer(bytes: Token.disabled))::bytea
            """, logger: logger)
    }

    /// A feedback job on this database with the right passphrase (unless told otherwise).
    func job(environment: [String: String]? = nil, metrics: (any MetricsFactory)? = nil) -> FeedbackJob {
        var settings = FeedbackJob.Settings()
        settings.environment = environment ?? [Self.passphraseVariable: pki.passphrase]
        settings.connectTimeout = .seconds(20)
        settings.recordAttempts = 1
        let queue = JobQueue(client: client, worker: WorkerID("feedback-test"), logger: logger)
        if let metrics {
            return FeedbackJob(queue: queue, settings: settings, metrics: metrics, logger: logger)
        }
        return FeedbackJob(queue: queue, settings: settings, logger: logger)
    }

    /// Status of each token of `app`, by hex.
    func statuses(app: String) async throws -> [String: String] {
        var statuses: [String: String] = [:]
        let rows = try await client.query(
            "SELECT encode(token, 'hex'), status::text FROM push.device_token WHERE app_id = push.app_id(\(app))",
            logger: logger)
        for try await (token, status) in rows.decode((String, String).self) {
            statuses[token] = status
        }
        return statuses
    }

    func scalar<Value: PostgresDecodable & Sendable>(_ query: PostgresQuery, as type: Value.Type) async throws -> Value? {
        for try await value in try await client.query(query, logger: logger).decode(Value.self) {
            return value
        }
        return nil
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }
}
