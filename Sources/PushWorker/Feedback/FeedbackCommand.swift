import ArgumentParser
import Foundation
import JobQueue
import Logging
import NIOPosix
import PostgresNIO
import Prometheus
import ServiceLifecycle
import UnixSignals

/// `pushworker feedback`: reads each binary app's feedback service and disables the tokens APNs
/// reported gone, unless they were registered again after the report.
public struct FeedbackCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "feedback",
        abstract: "Read the apps' feedback services and disable the tokens they report (once, or --every interval).",
        discussion: """
            For each binary app (or --app NAME) it connects to the app's feedback service with the app's \
            client certificate, reads every tuple, and records each in push.feedback_event: the token is \
            disabled unless it was registered again after the reported time (then it is kept); tokens \
            the app never registered are counted as unknown. Safe to run again at any time: a tuple \
            already recorded is counted as repeated and changes nothing. An app that fails (credentials, \
            unreachable service) is reported and the others go on; the exit status is 1 if any app failed. \
            The last lines are one per app for scripts: \
            feedback app=NAME read=N disabled=N kept=N unknown=N already_disabled=N repeated=N \
            (or feedback app=NAME failed=KIND error="...").
            """
    )

    @OptionGroup public var database: DatabaseOptions

    @Option(help: "Only this app (its push.app name).")
    public var app: String?

    @Option(help: "Keep running and read again every interval (30s, 15m, 1h, 1d, 1h30m); SIGTERM/SIGINT stop it cleanly.")
    public var every: RepeatInterval?

    @Option(help: "Seconds allowed for the TCP connect and, separately, for the TLS handshake.")
    public var connectTimeout: Int = 10

    @Option(help: "Seconds of silence after which the feedback service's list is taken as complete.")
    public var idleTimeout: Double = 1

    @Option(help: "With --every: port of /metrics and /health (0 or absent: off).")
    public var metricsPort: Int?

    @Option(help: "Address /metrics and /health listen on.")
    public var metricsHost: String = "0.0.0.0"

    @Option(help: "Log format: text or json.")
    public var logFormat: LogFormat = .text

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    public var logLevel: Logger.Level = .warning

    public init() {}

    public func validate() throws {
        guard connectTimeout >= 1, idleTimeout > 0 else {
            throw ValidationError("--connect-timeout must be at least 1 s and --idle-timeout above 0")
        }
        guard metricsPort == nil || every != nil else {
            throw ValidationError("--metrics-port needs --every (a single pass ends before anyone could scrape it)")
        }
    }

    public func run() async throws {
        logFormat.bootstrap(level: logLevel)
        let logger = Logger(label: "pushworker.feedback")
        let environment = ProcessInfo.processInfo.environment
        let url = try database.resolve(environment: environment)
        do {
            try await url.probe(logger: logger)
        } catch {
            throw FeedbackRunFailure(message: "cannot connect to \(url): \(PostgresErrorText.message(of: error))")
        }
        let registry = (metricsPort ?? 0) > 0 ? PrometheusBootstrap.registry : nil
        let worker = WorkerID("feedback:\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)")
        // PostgresNIO warns when the first query races `client.run()` starting; that is harmless,
        // so the client and its queries log errors only unless debugging was asked for.
        var queryLogger = logger
        if logLevel > .debug { queryLogger.logLevel = .error }
        let client = PostgresClient(configuration: url.clientConfiguration(), backgroundLogger: queryLogger)
        let queue = JobQueue(client: client, worker: worker, logger: queryLogger)
        var settings = FeedbackJob.Settings()
        settings.connectTimeout = .seconds(connectTimeout)
        settings.idleTimeout = .milliseconds(Int64(idleTimeout * 1000))
        settings.environment = environment
        let job = FeedbackJob(queue: queue, settings: settings, logger: logger)

        if let every {
            try await runScheduled(job: job, client: client, interval: every.duration, registry: registry, logger: logger)
            return
        }
        let outcomes = try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await Self.pass(job: job, queue: queue, app: app)
        }
        Self.print(outcomes)
        if outcomes.contains(where: { if case .failure = $0.result { true } else { false } }) {
            throw ExitCode(1)
        }
    }

    /// One pass: the schema check, then every app.
    private static func pass(job: FeedbackJob, queue: JobQueue, app: String?) async throws -> [FeedbackAppOutcome] {
        do {
            try await queue.checkSchema()
            return try await job.runOnce(app: app)
        } catch let error as UnknownFeedbackApp {
            throw FeedbackRunFailure(message: error.description)
        } catch let error as SchemaOutOfDate {
            throw FeedbackRunFailure(message: error.description)
        } catch {
            throw FeedbackRunFailure(message: PostgresErrorText.message(of: error))
        }
    }

    private func runScheduled(
        job: FeedbackJob, client: PostgresClient, interval: Duration, registry: PrometheusCollectorRegistry?,
        logger: Logger
    ) async throws {
        let passes = FeedbackPasses()
        let queue = job.queue
        let app = self.app
        let schedule = FeedbackSchedule(every: interval, logger: logger) {
            do {
                let outcomes = try await Self.pass(job: job, queue: queue, app: app)
                Self.print(outcomes)
                await passes.finished(outcomes)
            } catch {
                FileHandle.standardError.write(Data("feedback failed: \(error)\n".utf8))
                await passes.failed(error)
            }
        }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: client)]
        if let registry, let port = metricsPort {
            let responder = ObservabilityResponder(registry: registry, health: { await passes.health() })
            let server = try await ObservabilityServer.bind(host: metricsHost, port: port, responder: responder, logger: logger)
            services.append(.init(service: server))
        }
        services.append(.init(service: schedule, successTerminationBehavior: .gracefullyShutdownGroup))
        var group = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        group.maximumGracefulShutdownDuration = .seconds(Int64(connectTimeout) * 2 + 60)
        try await ServiceGroup(configuration: group).run()
    }

    /// Writes the summaries, then the script lines, straight to standard output (unbuffered, so
    /// each pass of `--every` shows at once even when the output is a pipe).
    static func print(_ outcomes: [FeedbackAppOutcome]) {
        let lines = outcomes.map(\.summary) + outcomes.map(\.line)
        FileHandle.standardOutput.write(Data(lines.map { $0 + "\n" }.joined().utf8))
    }
}

/// A feedback run that could not start or list its apps: one line, exit status 1.
struct FeedbackRunFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { "feedback failed: \(message)" }
}
