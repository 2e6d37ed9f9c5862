import Foundation

/// Where a campaign stands, as `push.campaign_progress` derives it.
public enum CampaignStatus: String, Sendable, CaseIterable {
    /// Nothing was enqueued (yet).
    case empty
    /// Enqueued; `send_at` is still ahead.
    case scheduled
    /// Tokens are waiting or being sent.
    case sending
    /// Every enqueued token has its outcome.
    case finished
    /// Cancelled; chunks that were being sent are still finishing.
    case cancelling
    /// Cancelled, and nothing is left in the queue.
    case cancelled

    /// True when the campaign will not change any more unless tokens are enqueued into it again.
    public var isSettled: Bool {
        switch self {
        case .empty, .finished, .cancelled: true
        case .scheduled, .sending, .cancelling: false
        }
    }
}

/// Terminal outcomes of a campaign per kind (the columns of `push.campaign_progress`).
public struct OutcomeTotals: Hashable, Sendable {
    public var accepted: Int64
    public var rejected: Int64
    public var expired: Int64
    public var failed: Int64
    public var cancelled: Int64
    public var skipped: Int64

    public init(accepted: Int64 = 0, rejected: Int64 = 0, expired: Int64 = 0, failed: Int64 = 0,
                cancelled: Int64 = 0, skipped: Int64 = 0) {
        self.accepted = accepted
        self.rejected = rejected
        self.expired = expired
        self.failed = failed
        self.cancelled = cancelled
        self.skipped = skipped
    }

    /// The count of one kind.
    public subscript(kind: OutcomeKind) -> Int64 {
        switch kind {
        case .accepted: accepted
        case .rejected: rejected
        case .expired: expired
        case .failed: failed
        case .cancelled: cancelled
        case .skipped: skipped
        }
    }
}

/// One row of `push.campaign_progress`: the live state of a campaign.
public struct CampaignProgress: Hashable, Sendable {
    public var campaignID: CampaignID
    public var app: String
    public var name: String?
    public var status: CampaignStatus
    /// Tokens enqueued.
    public var total: Int64
    /// Tokens with a terminal outcome.
    public var done: Int64
    /// Tokens due and waiting for a worker.
    public var queued: Int64
    /// Tokens waiting for their `send_at` or a retry back-off.
    public var scheduled: Int64
    /// Tokens claimed by a worker right now.
    public var sending: Int64
    public var outcomes: OutcomeTotals
    public var firstOutcomeAt: Date?
    public var lastOutcomeAt: Date?
    /// Average outcomes per second between the first and the last outcome.
    public var tokensPerSecond: Double?
    public var createdAt: Date
    public var sendAt: Date
    /// `nil`: never expires.
    public var expiresAt: Date?

    public init(campaignID: CampaignID, app: String, name: String?, status: CampaignStatus, total: Int64,
                done: Int64, queued: Int64 = 0, scheduled: Int64 = 0, sending: Int64 = 0,
                outcomes: OutcomeTotals = OutcomeTotals(), firstOutcomeAt: Date? = nil, lastOutcomeAt: Date? = nil,
                tokensPerSecond: Double? = nil, createdAt: Date, sendAt: Date, expiresAt: Date? = nil) {
        self.campaignID = campaignID
        self.app = app
        self.name = name
        self.status = status
        self.total = total
        self.done = done
        self.queued = queued
        self.scheduled = scheduled
        self.sending = sending
        self.outcomes = outcomes
        self.firstOutcomeAt = firstOutcomeAt
        self.lastOutcomeAt = lastOutcomeAt
        self.tokensPerSecond = tokensPerSecond
        self.createdAt = createdAt
        self.sendAt = sendAt
        self.expiresAt = expiresAt
    }

    /// Share of the enqueued tokens that are done, 0...1; `nil` for an empty campaign.
    public var fractionDone: Double? {
        total > 0 ? Double(done) / Double(total) : nil
    }

    /// Seconds from the first to the last outcome; `nil` before the second distinct outcome time.
    public var sendingSeconds: Double? {
        guard let first = firstOutcomeAt, let last = lastOutcomeAt, last > first else { return nil }
        return last.timeIntervalSince(first)
    }
}
