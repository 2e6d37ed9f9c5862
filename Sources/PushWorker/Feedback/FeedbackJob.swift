import APNSBinary
import CoreMetrics
import Foundation
import JobQueue
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO

/// One pass of the feedback job: for each binary app, read its feedback service with the app's
/// client certificate and record every tuple (`JobQueue.recordInvalidTokens`): tokens not
/// registered again after the reported time are disabled, the others kept, unknown ones noted.
///
/// Apps fail alone: a credential problem (also written to `push.app.credential_error`), an
/// unreachable service or a database error ends that app's pass with a ``FeedbackAppFailure``
/// and the next app goes on. The feedback service forgets what it sent once read, so recording
/// is retried a few times before giving up; it is idempotent, so a retry never counts twice.
public struct FeedbackJob: Sendable {
    public struct Settings: Sendable {
        /// Bounds the TCP connect and, separately, the TLS handshake.
        public var connectTimeout: Duration = .seconds(10)
        /// The read ends when the service sends nothing for this long after the handshake.
        public var idleTimeout: Duration = .seconds(1)
        /// Tuples recorded per statement.
        public var chunkSize = 5_000
        /// Attempts at recording what was read before the app's pass fails.
        public var recordAttempts = 3
        /// Delay before the second attempt; doubled for each further one.
        public var recordRetryDelay: Duration = .seconds(1)
        /// Where passphrases named by the app rows (`passphrase_env`) are looked up.
        public var environment: [String: String] = ProcessInfo.processInfo.environment

        public init() {}
    }

    let queue: JobQueue
    let settings: Settings
    let eventLoopGroup: any EventLoopGroup
    let metrics: any MetricsFactory
    let logger: Logger

    public init(
        queue: JobQueue, settings: Settings = Settings(),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        metrics: any MetricsFactory = MetricsSystem.factory, logger: Logger
    ) {
        self.queue = queue
        self.settings = settings
        self.eventLoopGroup = eventLoopGroup
        self.metrics = metrics
        self.logger = logger
    }

    /// Reads and records the feedback of every binary app, or of the app named `name`.
    /// - Throws: ``UnknownFeedbackApp`` when no app has that name; database errors while listing apps.
    public func runOnce(app name: String? = nil) async throws -> [FeedbackAppOutcome] {
        let apps: [AppRecord]
        if let name {
            guard let app = try await queue.app(named: name) else { throw UnknownFeedbackApp(name: name) }
            apps = [app]
        } else {
            apps = try await queue.apps().filter { $0.transport == "binary" }
        }
        var outcomes: [FeedbackAppOutcome] = []
        for app in apps {
            outcomes.append(await process(app))
        }
        return outcomes
    }

    /// Reads and records one app's feedback; never throws, a failure is the outcome.
    public func process(_ app: AppRecord) async -> FeedbackAppOutcome {
        let result: Result<FeedbackTally, FeedbackAppFailure>
        do {
            result = .success(try await readAndRecord(app))
        } catch let failure as FeedbackAppFailure {
            result = .failure(failure)
        } catch {
            result = .failure(FeedbackAppFailure(kind: .unreachable, message: "app \(app.name): \(error)"))
        }
        let outcome = FeedbackAppOutcome(app: app.name, result: result)
        switch result {
        case .success(let tally):
            logger.info("feedback recorded", metadata: [
                "app": "\(app.name)", "read": "\(tally.read)", "disabled": "\(tally.disabled)", "kept": "\(tally.kept)",
                "unknown": "\(tally.unknown)", "already_disabled": "\(tally.alreadyDisabled)", "repeated": "\(tally.repeated)",
            ])
            count(tally, app: app.name)
        case .failure(let failure):
            logger.error("feedback failed", metadata: ["app": "\(app.name)", "kind": "\(failure.kind.rawValue)", "error": "\(failure.message)"])
        }
        return outcome
    }

    private func readAndRecord(_ app: AppRecord) async throws -> FeedbackTally {
        guard let host = app.feedbackHost, let port = app.feedbackPort else {
            throw FeedbackAppFailure(
                kind: .unsupported, message: "app \(app.name): transport \(app.transport) has no feedback service")
        }
        let context: NIOSSLContext
        do {
            context = try AppCredentials.clientTLS(for: app, environment: settings.environment, logger: logger)
        } catch {
            let message = (error as? AppCredentialError)?.description ?? "app \(app.name): \(error)"
            throw await credentialFailure(app, message: message)
        }
        let client = FeedbackClient(
            configuration: .init(host: host, port: port, connectTimeout: Self.timeAmount(settings.connectTimeout),
                                 idleTimeout: Self.timeAmount(settings.idleTimeout)),
            tlsContext: context, eventLoopGroup: eventLoopGroup)
        let report: FeedbackReport
        do {
            report = try await client.fetch()
        } catch {
            if let certificate = GatewayFailure.certificateFailure(from: error, peer: "feedback service") {
                throw await credentialFailure(app, message: "app \(app.name): \(certificate.message)")
            }
            throw FeedbackAppFailure(
                kind: .unreachable, message: "app \(app.name): feedback service \(host):\(port) unreachable: \(error)")
        }
        if let truncation = report.truncation {
            logger.warning("feedback stream ended inside a tuple; the complete tuples are recorded",
                           metadata: ["app": "\(app.name)", "error": "\(truncation)"])
        }
        // Converted and recorded a chunk at a time, so only one chunk exists in both forms.
        var tally = FeedbackTally()
        let chunkSize = max(1, settings.chunkSize)
        for start in stride(from: 0, to: report.tuples.count, by: chunkSize) {
            let reports = report.tuples[start..<min(start + chunkSize, report.tuples.count)].map {
                InvalidTokenReport(token: Array($0.deviceToken.readableBytesView),
                                   invalidAt: Date(timeIntervalSince1970: TimeInterval($0.timestamp)))
            }
            do {
                tally += try await record(reports, app: app)
            } catch let message as RecordingFailed {
                throw FeedbackAppFailure(
                    kind: .database,
                    message: "app \(app.name): \(report.tuples.count - start) of \(report.tuples.count) feedback tuples read but not recorded after \(message.attempts) attempts: \(message.reason)")
            }
        }
        return tally
    }

    private struct RecordingFailed: Error {
        var attempts: Int
        var reason: String
    }

    /// Records one chunk with retries: the service will not send these tuples again.
    private func record(_ reports: [InvalidTokenReport], app: AppRecord) async throws -> FeedbackTally {
        var delay = settings.recordRetryDelay
        for attempt in 1...max(1, settings.recordAttempts) {
            do {
                return try await queue.recordInvalidTokens(app: app.id, reports: reports, chunkSize: reports.count)
            } catch {
                let message = PostgresErrorText.message(of: error)
                guard attempt < settings.recordAttempts else {
                    throw RecordingFailed(attempts: attempt, reason: message)
                }
                logger.warning("recording feedback failed; retrying",
                               metadata: ["app": "\(app.name)", "attempt": "\(attempt)", "error": "\(message)"])
                try? await Task.sleep(for: delay)
                delay *= 2
            }
        }
        preconditionFailure("the loop returns or throws")
    }

    private func credentialFailure(_ app: AppRecord, message: String) async -> FeedbackAppFailure {
        do {
            try await queue.recordCredentialError(app: app.id, message: message)
        } catch {
            logger.warning("could not record the credential error", metadata: [
                "app": "\(app.name)", "error": "\(PostgresErrorText.message(of: error))",
            ])
        }
        return FeedbackAppFailure(kind: .credentials, message: message)
    }

    private func count(_ tally: FeedbackTally, app: String) {
        let actions = [
            ("disabled", tally.disabled), ("kept", tally.kept), ("unknown", tally.unknown),
            ("already_disabled", tally.alreadyDisabled), ("repeated", tally.repeated),
        ]
        for (action, value) in actions where value > 0 {
            Counter(label: WorkerMetrics.feedbackTuples,
                    dimensions: [(WorkerMetrics.Label.app, app), (WorkerMetrics.Label.action, action)],
                    factory: metrics).increment(by: value)
        }
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

/// `--app NAME` names no row of `push.app`.
public struct UnknownFeedbackApp: Error, CustomStringConvertible {
    public let name: String
    public var description: String { "no app named '\(name)' (SELECT name FROM push.app lists them)" }
}
