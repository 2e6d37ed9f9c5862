import Foundation
import Logging
import PostgresNIO

/// Reads delivery reports from the views operators use in psql (see ``ReportQueries``).
///
/// Every read runs in its own short transaction — read-only, one snapshot (REPEATABLE READ), each
/// statement capped by `statementTimeout` — so a report can never hold back the queue: it cannot
/// write, and neither a slow statement nor a stalled reader keeps its snapshot (which would stop
/// vacuum from cleaning `push.job`) for longer than the timeout. A statement over the limit fails
/// with SQLSTATE 57014 (query_canceled). The `PostgresClient` must be running.
public struct DeliveryReports: Sendable {
    public let client: PostgresClient
    /// Longest any one report statement may run.
    public let statementTimeout: Duration
    public let logger: Logger

    public init(client: PostgresClient, statementTimeout: Duration = .seconds(10), logger: Logger) {
        precondition(statementTimeout > .zero, "a report needs a positive statement timeout")
        self.client = client
        self.statementTimeout = statementTimeout
        self.logger = logger
    }

    /// The full reports of the `limit` most recently created campaigns, newest first. Each
    /// campaign is read in its own transaction, so the snapshot is never held across campaigns.
    public func recentCampaigns(limit: Int) async throws -> [CampaignReport] {
        precondition(limit > 0, "report limit must be positive")
        let ids = try await inReportTransaction { connection, logger in
            var ids: [CampaignID] = []
            for try await id in try await connection.query(ReportQueries.recentCampaigns(limit: limit), logger: logger)
                .decode(Int64.self) {
                ids.append(CampaignID(id))
            }
            return ids
        }
        var reports: [CampaignReport] = []
        for id in ids {
            // A campaign cannot vanish (campaigns are never deleted), but tolerate it anyway.
            if let report = try await campaign(id) { reports.append(report) }
        }
        return reports
    }

    /// The full report of one campaign, or `nil` when there is no such campaign.
    public func campaign(_ id: CampaignID) async throws -> CampaignReport? {
        try await inReportTransaction { connection, logger in
            guard let progress = try await Self.progress(id, on: connection, logger: logger) else { return nil }
            return CampaignReport(
                progress: progress,
                rejections: try await Self.rejections(id, on: connection, logger: logger),
                tokensDisabled: try await Self.tokensDisabled(id, on: connection, logger: logger),
                attempts: try await Self.attempts(id, on: connection, logger: logger),
                latency: try await Self.latency(id, on: connection, logger: logger))
        }
    }

    /// Only the progress row of one campaign (what `--watch` polls), or `nil` when there is none.
    public func progress(_ id: CampaignID) async throws -> CampaignProgress? {
        try await inReportTransaction { connection, logger in
            try await Self.progress(id, on: connection, logger: logger)
        }
    }

    /// Runs `body` in the transaction every report read uses: read-only, REPEATABLE READ, with
    /// `statement_timeout` (and `idle_in_transaction_session_timeout`) set for this transaction only.
    public func inReportTransaction<Result: Sendable>(
        _ body: (PostgresConnection, Logger) async throws -> Result
    ) async throws -> Result {
        let milliseconds = max(1, Int64((statementTimeout.seconds * 1000).rounded(.up)))
        let logger = self.logger
        return try await client.withTransaction(logger: logger) { connection in
            try await connection.execute(ReportQueries.readOnlySnapshot, logger: logger)
            try await connection.execute(ReportQueries.session(statementTimeout: milliseconds), logger: logger)
            return try await body(connection, logger)
        }
    }

    /// The statement timeout PostgreSQL applies inside ``inReportTransaction(_:)``, as `SHOW`
    /// prints it (e.g. `10s`).
    public func effectiveStatementTimeout() async throws -> String {
        try await inReportTransaction { connection, logger in
            for try await value in try await connection.query(ReportQueries.showStatementTimeout, logger: logger)
                .decode(String.self) {
                return value
            }
            return ""
        }
    }

    // MARK: Rows

    static func progress(_ id: CampaignID, on connection: PostgresConnection, logger: Logger) async throws
        -> CampaignProgress? {
        let rows = try await connection.query(ReportQueries.progress(campaign: id), logger: logger)
        for try await row in rows {
            let r = row.makeRandomAccess()
            let statusText = try r[3].decode(String.self)
            guard let status = CampaignStatus(rawValue: statusText) else {
                throw ReportError.unknownStatus(statusText, campaign: id)
            }
            return CampaignProgress(
                campaignID: CampaignID(try r[0].decode(Int64.self)),
                app: try r[1].decode(String.self),
                name: try r[2].decode(String?.self),
                status: status,
                total: try r[4].decode(Int64.self),
                done: try r[5].decode(Int64.self),
                queued: try r[6].decode(Int64.self),
                scheduled: try r[7].decode(Int64.self),
                sending: try r[8].decode(Int64.self),
                outcomes: OutcomeTotals(
                    accepted: try r[9].decode(Int64.self), rejected: try r[10].decode(Int64.self),
                    expired: try r[11].decode(Int64.self), failed: try r[12].decode(Int64.self),
                    cancelled: try r[13].decode(Int64.self), skipped: try r[14].decode(Int64.self)),
                firstOutcomeAt: try r[15].decode(Date?.self),
                lastOutcomeAt: try r[16].decode(Date?.self),
                tokensPerSecond: try r[17].decode(Double?.self),
                createdAt: try r[18].decode(Date.self),
                sendAt: try r[19].decode(Date.self),
                expiresAt: try r[20].decode(Date?.self))
        }
        return nil
    }

    static func rejections(_ id: CampaignID, on connection: PostgresConnection, logger: Logger) async throws
        -> [RejectionCount] {
        var result: [RejectionCount] = []
        let rows = try await connection.query(ReportQueries.rejections(campaign: id), logger: logger)
        for try await (kind, code, reason, tokens, lastAt) in rows.decode((String, Int32?, String?, Int64, Date).self) {
            guard let kind = OutcomeKind(rawValue: kind) else { throw ReportError.unknownKind(kind, campaign: id) }
            result.append(RejectionCount(kind: kind, code: code, reason: reason, tokens: tokens, lastAt: lastAt))
        }
        return result
    }

    static func tokensDisabled(_ id: CampaignID, on connection: PostgresConnection, logger: Logger) async throws
        -> [DisabledCount] {
        var result: [DisabledCount] = []
        let rows = try await connection.query(ReportQueries.tokensDisabled(campaign: id), logger: logger)
        for try await (reason, tokens) in rows.decode((String?, Int64).self) {
            result.append(DisabledCount(reason: reason, tokens: tokens))
        }
        return result
    }

    static func attempts(_ id: CampaignID, on connection: PostgresConnection, logger: Logger) async throws
        -> [AttemptCount] {
        var result: [AttemptCount] = []
        let rows = try await connection.query(ReportQueries.attempts(campaign: id), logger: logger)
        for try await (attempt, tokens, accepted) in rows.decode((Int16, Int64, Int64).self) {
            result.append(AttemptCount(attempt: Int(attempt), tokens: tokens, accepted: accepted))
        }
        return result
    }

    static func latency(_ id: CampaignID, on connection: PostgresConnection, logger: Logger) async throws
        -> LatencyPercentiles? {
        let rows = try await connection.query(ReportQueries.latency(campaign: id), logger: logger)
        for try await (samples, p50, p95, p99, max) in rows.decode((Int64, Double, Double, Double, Double).self) {
            return LatencyPercentiles(samples: samples, p50: p50, p95: p95, p99: p99, max: max)
        }
        return nil
    }
}

/// A report row PostgreSQL returned that this binary does not understand (a newer schema).
public enum ReportError: Error, Hashable, CustomStringConvertible {
    case unknownStatus(String, campaign: CampaignID)
    case unknownKind(String, campaign: CampaignID)

    public var description: String {
        switch self {
        case let .unknownStatus(status, campaign):
            "\(campaign): unknown status '\(status)' in push.campaign_progress (is the database newer than this binary?)"
        case let .unknownKind(kind, campaign):
            "\(campaign): unknown outcome kind '\(kind)' in push.campaign_rejections"
        }
    }
}
