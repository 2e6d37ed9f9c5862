import Foundation
import Logging
import PostgresNIO

/// What one ``QueueRetention/prune(before:)`` removed.
public struct PruneResult: Sendable, Equatable {
    /// Campaign rows deleted (finished before the cutoff), by this run.
    public var campaigns = 0
    /// Retired campaigns whose recipients and outcomes are all gone (this run's and those an
    /// interrupted run left behind).
    public var campaignsCompleted = 0
    /// `push.recipient` rows deleted.
    public var recipients = 0
    /// `push.outcome` rows deleted.
    public var outcomes = 0
    /// `push.feedback_event` rows deleted.
    public var feedbackEvents = 0
    /// `push.worker` rows deleted.
    public var workers = 0
    /// Statements run, each its own short transaction (or two sharing one).
    public var batches = 0

    public init() {}
}

/// Retention: removes finished work and old records from the queue's tables in bounded batches,
/// each its own short transaction, so the workers and the enqueuers never wait long on it and no
/// snapshot is held across batches.
///
/// Removed, for a cutoff:
/// - campaigns that finished before it — every token has its outcome (no job row is left) and the
///   last outcome was recorded before it; cancelled campaigns cancelled before it — with their
///   `push.recipient` and `push.outcome` rows. Campaigns never enqueued and not cancelled stay.
/// - `push.feedback_event` rows received before it (a feedback tuple older than the cutoff that
///   Apple sent again would be recorded as new rather than `repeated`; Apple sends each once).
/// - `push.worker` rows last seen before it that hold no lease.
///
/// Device tokens are the operators' data and are never removed. Runs as the owner of the `push`
/// schema (the roles of migration 006 may not delete). Safe to run from several hosts at once
/// (they skip each other's rows) and to interrupt: the next run finishes what was left.
public struct QueueRetention: Sendable {
    public let client: PostgresClient
    public let logger: Logger
    /// Rows (recipients with their outcomes, feedback events, workers) per statement.
    public let batchSize: Int
    /// Campaigns examined and retired per transaction.
    public let campaignsPerTransaction: Int

    public init(client: PostgresClient, batchSize: Int = 10_000, campaignsPerTransaction: Int = 10, logger: Logger) {
        precondition(batchSize > 0 && campaignsPerTransaction > 0, "batch sizes must be positive")
        self.client = client
        self.batchSize = batchSize
        self.campaignsPerTransaction = campaignsPerTransaction
        self.logger = logger
    }

    /// Removes everything described above that is older than `cutoff`. `progress` is called after
    /// each campaign whose rows are all gone, with the running totals.
    @discardableResult
    public func prune(before cutoff: Date, progress: (@Sendable (PruneResult) -> Void)? = nil) async throws -> PruneResult {
        var result = PruneResult()
        try await retireCampaigns(before: cutoff, into: &result)
        for campaign in try await retiredCampaigns() {
            try await removeRows(ofRetired: campaign, into: &result)
            progress?(result)
        }
        result.feedbackEvents = try await repeatUntilNone(into: &result) {
            RetentionQueries.pruneFeedbackEvents(cutoff: cutoff, limit: batchSize)
        }
        result.workers = try await repeatUntilNone(into: &result) {
            RetentionQueries.pruneWorkers(cutoff: cutoff, limit: batchSize)
        }
        return result
    }

    /// Deletes the rows of finished campaigns, a few per transaction, noting each for the batches.
    private func retireCampaigns(before cutoff: Date, into result: inout PruneResult) async throws {
        var after: Int64 = 0
        let limit = campaignsPerTransaction
        let logger = self.logger
        while true {
            let start = after
            let (locked, retired) = try await client.withTransaction(logger: logger) { connection in
                var locked: [Int64] = []
                for try await id in try await connection.query(
                    RetentionQueries.lockCandidates(after: start, cutoff: cutoff, limit: limit), logger: logger
                ).decode(Int64.self) {
                    locked.append(id)
                }
                guard !locked.isEmpty else { return (locked, 0) }
                var retired = 0
                for try await _ in try await connection.query(
                    RetentionQueries.retireCampaigns(ids: locked, cutoff: cutoff), logger: logger
                ).decode(Int64.self) {
                    retired += 1
                }
                return (locked, retired)
            }
            result.batches += 1
            result.campaigns += retired
            guard let last = locked.last else { return }
            after = last
        }
    }

    private func retiredCampaigns() async throws -> [Int64] {
        var ids: [Int64] = []
        for try await id in try await client.query(RetentionQueries.retiredCampaigns, logger: logger).decode(Int64.self) {
            ids.append(id)
        }
        return ids
    }

    /// Deletes a retired campaign's recipients and outcomes batch by batch, then its note.
    private func removeRows(ofRetired campaign: Int64, into result: inout PruneResult) async throws {
        while true {
            let (recipients, outcomes) = try await pair(RetentionQueries.pruneRecipients(campaign: campaign, limit: batchSize))
            result.batches += 1
            result.recipients += recipients
            result.outcomes += outcomes
            if recipients == 0 { break }
        }
        let (finished, leftover) = try await pair(RetentionQueries.finishCampaign(campaign))
        result.batches += 1
        result.campaignsCompleted += finished
        result.outcomes += leftover
        if leftover > 0 {
            logger.warning("outcome rows without a recipient row were pruned",
                           metadata: ["campaign": "\(campaign)", "rows": "\(leftover)"])
        }
    }

    /// Runs a counting batch statement until it deletes nothing; returns the total.
    private func repeatUntilNone(into result: inout PruneResult, _ query: () -> PostgresQuery) async throws -> Int {
        var total = 0
        while true {
            var deleted = 0
            for try await count in try await client.query(query(), logger: logger).decode(Int64.self) {
                deleted = Int(count)
            }
            result.batches += 1
            total += deleted
            if deleted < batchSize { return total }
        }
    }

    private func pair(_ query: PostgresQuery) async throws -> (Int, Int) {
        for try await (first, second) in try await client.query(query, logger: logger).decode((Int64, Int64).self) {
            return (Int(first), Int(second))
        }
        return (0, 0)
    }
}
