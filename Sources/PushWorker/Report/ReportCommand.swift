import ArgumentParser
import Foundation
import JobQueue
import Logging
import PostgresNIO

/// `pushworker report`: delivery reports of campaigns, read from the `push` report views.
public struct ReportCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Delivery reports: totals, rejections, disabled tokens, attempts, throughput, latency.",
        discussion: """
            Without --campaign: the most recently created campaigns (see --limit), newest first; the table \
            format then prints one line per campaign. With --campaign: every figure of that campaign. \
            --watch shows a live progress bar and rate on stderr (redrawn in place on a terminal, one \
            line per change otherwise) until the campaign is finished, cancelled or empty, then prints \
            the report. Reports read the views push.campaign_progress, push.campaign_rejections, \
            push.campaign_tokens_disabled, push.campaign_attempts and push.campaign_latency in \
            read-only transactions with a statement timeout, so they never hold back the queue.
            """
    )

    @OptionGroup public var database: DatabaseOptions

    @Option(help: "Report only this campaign (its id).")
    public var campaign: Int64?

    @Flag(help: "Show live progress until the campaign settles, then the report (needs --campaign).")
    public var watch = false

    @Option(help: "Output format: table, json or csv.")
    public var format: ReportFormat = .table

    @Option(help: "How many recent campaigns to report without --campaign.")
    public var limit = 20

    @Option(help: "Longest any report statement may run, in seconds (PostgreSQL statement_timeout).")
    public var statementTimeout: Double = 10

    public init() {}

    public func validate() throws {
        if watch && campaign == nil { throw ValidationError("--watch needs --campaign ID") }
        guard limit > 0 else { throw ValidationError("--limit must be positive") }
        guard statementTimeout > 0, statementTimeout <= 86_400 else {
            throw ValidationError("--statement-timeout must be between 0 and 86400 seconds")
        }
    }

    public func run() async throws {
        let url = try database.resolve()
        var logger = Logger(label: "pushworker.report")
        logger.logLevel = .error
        do {
            try await url.probe(logger: logger)
        } catch {
            throw ReportCommandFailure(message: "cannot connect to \(url): \(PostgresErrorText.message(of: error))")
        }
        let client = PostgresClient(configuration: url.clientConfiguration(), backgroundLogger: logger)
        let text = try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            let reports = DeliveryReports(client: client, statementTimeout: .seconds(statementTimeout), logger: logger)
            do {
                if watch, let campaign {
                    var display = WatchDisplay(isTerminal: isatty(STDERR_FILENO) == 1)
                    _ = try await CampaignWatcher(reports: reports, campaign: CampaignID(campaign))
                        .run(display: &display) { StandardError.write($0) }
                }
                return try await output(reports: reports)
            } catch let failure as ReportCommandFailure {
                throw failure
            } catch {
                var message = "\(url): \(PostgresErrorText.message(of: error))"
                if PostgresErrorText.sqlState(of: error) == "57014" {
                    message += "; raise --statement-timeout (now \(statementTimeout) s) or report from a replica"
                }
                throw ReportCommandFailure(message: message)
            }
        }
        print(text, terminator: "")
    }

    /// Loads the reports this invocation asks for and renders them in its format.
    func output(reports: DeliveryReports) async throws -> String {
        if let campaign {
            guard let report = try await reports.campaign(CampaignID(campaign)) else {
                throw ReportCommandFailure(message: "no campaign \(campaign)")
            }
            switch format {
            case .table: return ReportTableRenderer.render(report)
            case .json: return try ReportJSONRenderer.render(report)
            case .csv: return ReportCSVRenderer.render([report])
            }
        }
        let recent = try await reports.recentCampaigns(limit: limit)
        switch format {
        case .table: return ReportTableRenderer.renderSummary(recent)
        case .json: return try ReportJSONRenderer.render(recent)
        case .csv: return ReportCSVRenderer.render(recent)
        }
    }
}

/// A failed report: printed as one line, exit status 1.
struct ReportCommandFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { "report failed: \(message)" }
}

/// Unbuffered writes to stderr, where the live view goes so stdout carries only the report.
enum StandardError {
    static func write(_ text: String) {
        guard !text.isEmpty else { return }
        FileHandle.standardError.write(Data(text.utf8))
    }
}
