import Foundation

/// The outcomes of one claimed job, filled in by the sender and handed to
/// ``JobQueue/complete(_:)``.
///
/// Every recipient ends with exactly one outcome: tokens the sender never recorded are handed back
/// as ``TokenOutcome/released``, and tokens the claim found disabled are already `skipped`.
public struct JobReport: Sendable {
    public let job: ClaimedJob
    /// Aligned with `job.recipients`; `nil` until recorded.
    public private(set) var outcomes: [TokenOutcome?]
    /// The `apns-id` APNs gave the notification of a recipient (HTTP/2), by recipient index;
    /// recorded in `push.outcome.apns_id` with the recipient's outcome.
    public private(set) var apnsIDs: [Int: UUID] = [:]
    private var indexByToken: [TokenID: Int]?

    public init(job: ClaimedJob) {
        self.job = job
        self.outcomes = Array(repeating: nil, count: job.recipients.count)
    }

    /// A report with the same outcome for every recipient.
    public init(job: ClaimedJob, allOutcomes outcome: TokenOutcome) {
        self.job = job
        self.outcomes = Array(repeating: outcome, count: job.recipients.count)
    }

    /// Records the outcome of the recipient at `index` of `job.recipients`.
    public mutating func record(_ outcome: TokenOutcome, forRecipientAt index: Int) {
        outcomes[index] = outcome
    }

    /// Records the `apns-id` APNs answered for the recipient at `index`.
    public mutating func recordApnsID(_ id: UUID, forRecipientAt index: Int) {
        apnsIDs[index] = id
    }

    /// Records the outcome of a token of this job; returns false when the token is not one of its
    /// recipients.
    @discardableResult
    public mutating func record(_ outcome: TokenOutcome, for tokenID: TokenID) -> Bool {
        if indexByToken == nil {
            indexByToken = Dictionary(
                uniqueKeysWithValues: job.recipients.enumerated().map { ($0.element.tokenID, $0.offset) })
        }
        guard let index = indexByToken?[tokenID] else { return false }
        outcomes[index] = outcome
        return true
    }

    /// Records `outcome` for every recipient that has none yet.
    public mutating func recordRemaining(_ outcome: TokenOutcome) {
        for index in outcomes.indices where outcomes[index] == nil {
            outcomes[index] = outcome
        }
    }

    /// How many recipients still have no outcome.
    public var unrecordedCount: Int { outcomes.lazy.filter { $0 == nil }.count }
}
