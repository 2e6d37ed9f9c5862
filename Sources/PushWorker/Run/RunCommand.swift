import ArgumentParser
import Foundation
import JobQueue
import Logging
import NIOPosix
import PostgresNIO
import ServiceLifecycle
import UnixSignals

/// `pushworker run`: the worker. Claims jobs, sends them to each app's gateway, records outcomes.
public struct RunCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Send queued notifications until stopped (SIGTERM/SIGINT drain and exit 0).",
        discussion: """
            Run as many workers as you like, on as many hosts: they share the queue through \
            PostgreSQL (FOR UPDATE SKIP LOCKED) and never send a job twice while its lease is kept. \
            Each flag also reads the environment variable named in its help.
            """
    )

    @OptionGroup public var database: DatabaseOptions

    @Option(help: "This worker's name in push.worker and in job leases (env PUSHWORKER_WORKER_ID; default <hostname>:<pid>).")
    public var workerId: String?

    @Option(help: "Gateway connections per app (default: the app's connections_per_worker).")
    public var connections: Int?

    @Option(help: "Jobs asked for in one claim (a job is up to 1,000 tokens).")
    public var claimBatch: Int = 4

    @Option(help: "Jobs held at once, claimed and not yet recorded; bounds memory. An app holding half of them waits for the other apps.")
    public var maxJobs: Int = 32

    @Option(help: "Notifications a connection carries before the probe proves them and it is replaced.")
    public var window: Int = 4_096

    @Option(help: "Lease length in seconds; the worker extends its leases every 5 s while it holds them.")
    public var lease: Int = 60

    @Option(help: "Port of /metrics and /health (env PUSHWORKER_METRICS_PORT; 0 turns them off).")
    public var metricsPort: Int?

    @Option(help: "Address /metrics and /health listen on.")
    public var metricsHost: String = "0.0.0.0"

    @Option(help: "Log format: text or json (env PUSHWORKER_LOG_FORMAT).")
    public var logFormat: LogFormat?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical (env PUSHWORKER_LOG_LEVEL).")
    public var logLevel: Logger.Level?

    @Option(help: "Seconds allowed on shutdown to send and prove what is in flight before the rest is handed back.")
    public var drainTimeout: Int = 30

    @Option(help: "Seconds an app whose credentials failed is left alone before they are loaded again.")
    public var credentialRetry: Int = 60

    @Flag(help: "Exit 0 once no job is left that could be sent (waiting or running, not expired or cancelled).")
    public var exitWhenIdle = false

    public init() {}

    public func validate() throws {
        guard claimBatch >= 1, maxJobs >= claimBatch else {
            throw ValidationError("--claim-batch must be at least 1 and at most --max-jobs")
        }
        guard connections.map({ (1...64).contains($0) }) ?? true else {
            throw ValidationError("--connections must be between 1 and 64")
        }
        guard window >= 64, lease >= 10, drainTimeout >= 1, credentialRetry >= 1 else {
            throw ValidationError("--window must be at least 64, --lease at least 10 s, --drain-timeout and --credential-retry at least 1 s")
        }
    }

    public func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let format = try logFormat ?? environment["PUSHWORKER_LOG_FORMAT"].map {
            guard let format = LogFormat(rawValue: $0) else { throw ValidationError("PUSHWORKER_LOG_FORMAT must be text or json") }
            return format
        } ?? .text
        let level = logLevel ?? environment["PUSHWORKER_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        format.bootstrap(level: level)
        let logger = Logger(label: "pushworker")
        let url = try database.resolve(environment: environment)
        do {
            try await url.probe(logger: logger)
        } catch {
            throw RunFailure(message: "cannot connect to \(url): \(PostgresErrorText.message(of: error))")
        }
        let worker = WorkerID(workerId ?? environment["PUSHWORKER_WORKER_ID"] ?? Self.defaultWorkerID())

        var settings = WorkerSettings()
        settings.connectionsPerApp = connections
        settings.claimBatch = claimBatch
        settings.maxJobs = maxJobs
        settings.windowCapacity = window
        settings.drainTimeout = .seconds(drainTimeout)
        settings.credentialRetryDelay = .seconds(credentialRetry)
        settings.exitWhenIdle = exitWhenIdle
        settings.environment = environment

        let port = try metricsPort ?? environment["PUSHWORKER_METRICS_PORT"].map {
            guard let port = Int($0), (0...65_535).contains(port) else {
                throw ValidationError("PUSHWORKER_METRICS_PORT must be a port number (0 turns the endpoints off)")
            }
            return port
        } ?? 9_464
        // Bootstrap the metrics backend before anything creates a counter: counters made earlier
        // stay no-ops.
        let registry = port > 0 ? PrometheusBootstrap.registry : nil

        var queueConfiguration = JobQueue.Configuration()
        queueConfiguration.leaseDuration = .seconds(lease)
        // The connection pool narrates every reconnect attempt at info; the worker's own
        // warnings already say when the database is away.
        var poolLogger = logger
        poolLogger.logLevel = max(level, .warning)
        let client = PostgresClient(configuration: url.clientConfiguration(), backgroundLogger: poolLogger)
        let queue = JobQueue(client: client, worker: worker, configuration: queueConfiguration, logger: logger)
        let writer = OutcomeWriter(queue: queue, configuration: settings.outcomeWriterConfiguration)
        var housekeeping = QueueHousekeeper.Configuration(
            host: ProcessInfo.processInfo.hostName, pid: ProcessInfo.processInfo.processIdentifier,
            version: PushWorkerVersion.current)
        housekeeping.interval = .seconds(min(5, max(1, lease / 6)))
        let health = WorkerHealth()
        let sender = Worker(queue: queue, writer: writer, settings: settings,
                            eventLoops: MultiThreadedEventLoopGroup.singleton, health: health, logger: logger)
        let housekeeper = QueueHousekeeper(queue: queue, configuration: housekeeping, heldJobs: sender.heldJobs)

        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: client)]
        if let registry {
            let responder = ObservabilityResponder(registry: registry) {
                await Self.healthReport(health, client: client, logger: logger)
            }
            let server = try await ObservabilityServer.bind(host: metricsHost, port: port, responder: responder, logger: logger)
            logger.info("serving /metrics and /health", metadata: ["address": "\(server.localAddress)"])
            services.append(.init(service: server))
        }
        services += [
            .init(service: writer),
            .init(service: housekeeper),
            .init(service: sender, successTerminationBehavior: .gracefullyShutdownGroup),
        ]
        var group = ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        group.maximumGracefulShutdownDuration = .seconds(drainTimeout + 30)
        try await ServiceGroup(configuration: group).run()
    }

    /// The worker's health; asks the database itself when the worker has not heard from it for
    /// 10 s (a worker whose job budget is full claims nothing for a while).
    static func healthReport(_ health: WorkerHealth, client: PostgresClient, logger: Logger) async -> HealthReport {
        if health.silence() ?? .seconds(3_600) > .seconds(10) {
            if (try? await client.query("SELECT 1", logger: logger).collect()) != nil {
                health.databaseAnswered()
            }
        }
        let status = health.status()
        return HealthReport(isHealthy: status.isHealthy, reason: status.reason, details: status.details)
    }

    static func defaultWorkerID() -> String {
        "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)"
    }
}

/// A worker that could not start: printed as one line, exit status 1.
struct RunFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { "run failed: \(message)" }
}
