import ArgumentParser
import Foundation
import JobQueue
import Logging
import PostgresNIO

/// `pushworker prune`: retention. Removes campaigns finished before a cutoff (with their
/// recipients and ledger rows), old feedback events and old worker rows, in short batches.
public struct PruneCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Remove finished campaigns, their ledger rows, old feedback events and worker rows (retention).",
        discussion: """
            Removes campaigns whose every token has an outcome and whose last outcome is older than \
            --older-than (cancelled ones: cancelled before it), with their push.recipient and \
            push.outcome rows; push.feedback_event rows received before it; push.worker rows last seen \
            before it that hold no lease. Campaigns still sending, scheduled or never enqueued are \
            never touched; device tokens are never removed. Works in batches of --batch-size rows, \
            each its own short transaction, so workers and enqueuers keep going; safe to interrupt \
            (the next run finishes) and to run from several hosts at once. Run it as the owner of the \
            push schema (the user of pushworker migrate). The last line is for scripts: \
            prune campaigns=N recipients=N outcomes=N feedback_events=N workers=N batches=N seconds=S
            """
    )

    @OptionGroup public var database: DatabaseOptions

    @Option(help: "Age of what is removed: 30d, 12h, 1d12h (at most 366d).")
    public var olderThan: RepeatInterval

    @Option(help: "Rows per batch (recipients with their outcomes, feedback events, workers); each batch is one short transaction.")
    public var batchSize: Int = 10_000

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    public var logLevel: Logger.Level = .warning

    public init() {}

    public func validate() throws {
        guard (1...100_000).contains(batchSize) else {
            throw ValidationError("--batch-size must be between 1 and 100000")
        }
    }

    public func run() async throws {
        LogFormat.text.bootstrap(level: logLevel)
        let logger = Logger(label: "pushworker.prune")
        let url = try database.resolve()
        do {
            try await url.probe(logger: logger)
        } catch {
            throw PruneFailure(message: "cannot connect to \(url): \(PostgresErrorText.message(of: error))")
        }
        let cutoff = Date().addingTimeInterval(-Double(olderThan.duration.components.seconds))
        // PostgresNIO warns when the first query races `client.run()` starting; that is harmless,
        // so the client and the statements log errors only unless debugging was asked for.
        var queryLogger = logger
        if logLevel > .debug { queryLogger.logLevel = .error }
        let client = PostgresClient(configuration: url.clientConfiguration(), backgroundLogger: queryLogger)
        let retention = QueueRetention(client: client, batchSize: batchSize, logger: queryLogger)
        let started = ContinuousClock.now
        let result = try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            do {
                try await JobQueue(client: client, worker: WorkerID("prune"), logger: queryLogger).checkSchema()
                return try await retention.prune(before: cutoff) { progress in
                    logger.info("campaign pruned", metadata: [
                        "campaigns_completed": "\(progress.campaignsCompleted)", "outcomes": "\(progress.outcomes)",
                    ])
                }
            } catch let error as SchemaOutOfDate {
                throw PruneFailure(message: error.description)
            } catch {
                throw PruneFailure(message: PostgresErrorText.message(of: error))
            }
        }
        let elapsed = (ContinuousClock.now - started).components
        let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
        for line in Self.summary(result, olderThan: olderThan, cutoff: cutoff, seconds: seconds) {
            print(line)
        }
    }

    /// One line for people, then one for scripts.
    static func summary(_ result: PruneResult, olderThan: RepeatInterval, cutoff: Date, seconds: Double) -> [String] {
        let people = "pruned \(HumanFormat.count(result.campaigns)) campaigns finished before "
            + "\(HumanFormat.time(cutoff)) (older than \(olderThan)) and completed "
            + "\(HumanFormat.count(result.campaignsCompleted)): \(HumanFormat.count(result.recipients)) recipients, "
            + "\(HumanFormat.count(result.outcomes)) outcomes; \(HumanFormat.count(result.feedbackEvents)) feedback events, "
            + "\(HumanFormat.count(result.workers)) worker rows; \(HumanFormat.count(result.batches)) batches in "
            + String(format: "%.1f s", seconds)
        let script = "prune campaigns=\(result.campaigns) recipients=\(result.recipients) outcomes=\(result.outcomes) "
            + "feedback_events=\(result.feedbackEvents) workers=\(result.workers) batches=\(result.batches) "
            + String(format: "seconds=%.2f", seconds)
        return [people, script]
    }
}

/// A prune that could not run or stopped: printed as one line, exit status 1.
struct PruneFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { "prune failed: \(message)" }
}
