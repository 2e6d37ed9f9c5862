import Foundation
import JobQueue
import Logging
import MockGateway
import NIOPosix
import PostgresNIO
import PushWorker
import ServiceLifecycle
import TestSupport

/// A migrated database, a mock gateway over mutual TLS, and helpers to set up apps and campaigns
/// through the SQL API and to run in-process workers against them.
struct WorkerHarness {
    static let sharedPKI = Result { try TestPKI() }
    static let passphraseVariable = "PUSHWORKER_TEST_P12_PASS"

    let client: PostgresClient
    let url: DatabaseURL
    let pki: TestPKI
    let gateway: MockGateway
    let ledgerPath: String
    var logger = Logger.quiet

    /// Runs `body` with a fresh database and a gateway running `faults` (and the HTTP/2 provider
    /// API when `http2` is given); tears both down.
    static func with<Result: Sendable>(
        faults: FaultPlan = FaultPlan(),
        http2: HTTP2GatewayConfiguration? = nil,
        _ body: (WorkerHarness) async throws -> Result
    ) async throws -> Result {
        let pki = try sharedPKI.get()
        let directory = try TestPKI.makeTemporaryDirectory(prefix: "pushworker-e2e")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let ledgerPath = directory + "/ledger.tsv"
        let gateway = try await MockGateway.start(
            MockGatewayConfiguration(tls: try pki.serverTLS(), faults: faults, http2: http2, ledgerPath: ledgerPath))
        do {
            let result = try await TestDatabase.withMigrated { client, url in
                try await body(WorkerHarness(client: client, url: url, pki: pki, gateway: gateway, ledgerPath: ledgerPath))
            }
            try await gateway.stop()
            return result
        } catch {
            try? await gateway.stop()
            throw error
        }
    }

    /// The 32-byte token number `index` of a test audience (distinct per `salt`).
    static func token(_ index: Int, salt: Int = 0) -> [UInt8] {
        var state = UInt64(truncatingIfNeeded: index &* 2_654_435_761 &+ salt &* 97 &+ 1)
        return (0..<32).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    /// Adds an app sending to the mock gateway with the test PKI's `.p12`, its passphrase read
    /// from ``passphraseVariable``.
    @discardableResult
    func makeApp(_ name: String) async throws -> Int32 {
        let rows = try await client.query(
            """
            INSERT INTO push.app (name, topic, gateway_host, gateway_port, certificate_path, passphrase_env, ca_file,
                                  connections_per_worker)
            VALUES (\(name), 'com.example.pushworker', '127.0.0.1', \(Int32(gateway.gatewayPort)),
                    \(pki.files.clientPKCS12), \(Self.passphraseVariable), \(pki.files.caCertificate), 2)
            RETURNING id
            """, logger: logger)
        for try await id in rows.decode(Int32.self) { return id }
        throw HarnessError("no app id returned")
    }

    /// Registers `tokens` for `app`, creates a campaign and enqueues it, all through the SQL API.
    func enqueueCampaign(app: String, tokens: [[UInt8]], payload: String = #"{"aps":{"alert":"hello"}}"#) async throws -> Int64 {
        let hex = tokens.map(Self.hex)
        try await client.execute("SELECT push.register_tokens(\(app), \(hex))", logger: logger)
        let campaign = try await scalar("SELECT push.create_campaign(\(app), \(payload))", as: Int64.self)
        _ = try await scalar("SELECT push.enqueue_tokens(\(campaign), \(hex), 250)", as: Int64.self)
        return campaign
    }

    func scalar<Value: PostgresDecodable & Sendable>(_ query: PostgresQuery, as type: Value.Type) async throws -> Value {
        for try await value in try await client.query(query, logger: logger).decode(Value.self) {
            return value
        }
        throw HarnessError("query returned no row")
    }

    /// Settings for a test worker: small batches so several jobs are in flight, and the right
    /// passphrase in the worker's environment unless `passphrase` says otherwise.
    func settings(passphrase: String? = nil, exitWhenIdle: Bool = true) -> WorkerSettings {
        var settings = WorkerSettings()
        settings.claimBatch = 2
        settings.maxJobs = 6
        settings.windowCapacity = 512
        settings.exitWhenIdle = exitWhenIdle
        settings.drainTimeout = .seconds(60)
        settings.environment = [Self.passphraseVariable: passphrase ?? pki.passphrase]
        return settings
    }

    /// A worker, its writer and housekeeper as one service group on the harness's client; the
    /// writer batches as `settings` says unless `writer` is given. Without `housekeeping` the
    /// group has no housekeeper (a test holding a lock its statements would wait for).
    func workerGroup(id: String, settings: WorkerSettings, writer writerConfiguration: OutcomeWriter.Configuration? = nil,
                     health: WorkerHealth = WorkerHealth(), housekeeping: Bool = true) -> ServiceGroup {
        var configuration = JobQueue.Configuration()
        configuration.leaseDuration = .seconds(60)
        configuration.retryPolicy = RetryPolicy(base: .milliseconds(50), maximum: .milliseconds(200))
        let queue = JobQueue(client: client, worker: WorkerID(id), configuration: configuration, logger: logger)
        let writer = OutcomeWriter(queue: queue, configuration: writerConfiguration ?? settings.outcomeWriterConfiguration)
        var housekeeper = QueueHousekeeper.Configuration(host: "test", pid: 1, version: "test")
        housekeeper.interval = .seconds(1)
        let worker = Worker(queue: queue, writer: writer, settings: settings,
                            eventLoops: MultiThreadedEventLoopGroup.singleton, health: health, logger: logger)
        return ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [.init(service: writer)]
                + (housekeeping ? [.init(service: QueueHousekeeper(queue: queue, configuration: housekeeper, heldJobs: worker.heldJobs))] : [])
                + [.init(service: worker, successTerminationBehavior: .gracefullyShutdownGroup)],
            logger: logger))
    }

    /// Runs one worker until no job is left.
    func runUntilIdle(id: String = "worker-1", settings: WorkerSettings? = nil) async throws {
        try await workerGroup(id: id, settings: settings ?? self.settings()).run()
    }

    /// Terminal outcomes of a campaign by token (hex): kind, code.
    func outcomes(campaign: Int64) async throws -> [String: [(kind: String, code: Int32?)]] {
        var byToken: [String: [(kind: String, code: Int32?)]] = [:]
        let rows = try await client.query(
            """
            SELECT encode(t.token, 'hex'), o.kind::text, o.code
            FROM push.outcome o JOIN push.device_token t ON t.id = o.token_id
            WHERE o.campaign_id = \(campaign)
            """, logger: logger)
        for try await (token, kind, code) in rows.decode((String, String, Int32?).self) {
            byToken[token, default: []].append((kind, code))
        }
        return byToken
    }

    /// `scripts/verdict` — the gateway's ledger against the database's outcomes, the same
    /// judgement the demo and the benchmarks print — for `campaigns`; `invalid` are the tokens
    /// the gateway was told to reject.
    func verdict(campaigns: [Int64], invalid: [[UInt8]] = []) throws -> ScriptVerdict {
        try gateway.flushLedger()
        var invalidFile: String?
        if !invalid.isEmpty {
            let path = (ledgerPath as NSString).deletingLastPathComponent + "/invalid-tokens.txt"
            try invalid.map { Self.hex($0) + "\n" }.joined().write(toFile: path, atomically: true, encoding: .utf8)
            invalidFile = path
        }
        return try ScriptVerdict.judge(database: url, ledger: ledgerPath, invalidTokens: invalidFile, campaigns: campaigns)
    }
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
