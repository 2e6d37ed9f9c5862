import Foundation

/// Everything `pushworker report` shows for one campaign, read in one snapshot.
public struct CampaignReport: Hashable, Sendable {
    public var progress: CampaignProgress
    /// Rejected and failed tokens by kind, code and reason, most frequent first.
    public var rejections: [RejectionCount]
    /// Tokens this campaign's rejections disabled (and still disabled), by reason.
    public var tokensDisabled: [DisabledCount]
    /// Terminal outcomes by the attempt that ended them, in attempt order.
    public var attempts: [AttemptCount]
    /// Enqueue → accepted; `nil` when no accepted outcome carries an enqueue time.
    public var latency: LatencyPercentiles?

    public init(progress: CampaignProgress, rejections: [RejectionCount] = [], tokensDisabled: [DisabledCount] = [],
                attempts: [AttemptCount] = [], latency: LatencyPercentiles? = nil) {
        self.progress = progress
        self.rejections = rejections
        self.tokensDisabled = tokensDisabled
        self.attempts = attempts
        self.latency = latency
    }

    /// Sum over ``tokensDisabled``.
    public var tokensDisabledTotal: Int64 { tokensDisabled.reduce(0) { $0 + $1.tokens } }
}

/// One row of `push.campaign_rejections`.
public struct RejectionCount: Hashable, Sendable {
    /// `rejected` or `failed`.
    public var kind: OutcomeKind
    /// The transport's status code, when it gave one.
    public var code: Int32?
    public var reason: String?
    public var tokens: Int64
    public var lastAt: Date

    public init(kind: OutcomeKind, code: Int32?, reason: String?, tokens: Int64, lastAt: Date) {
        self.kind = kind
        self.code = code
        self.reason = reason
        self.tokens = tokens
        self.lastAt = lastAt
    }
}

/// One row of `push.campaign_tokens_disabled`.
public struct DisabledCount: Hashable, Sendable {
    public var reason: String?
    public var tokens: Int64

    public init(reason: String?, tokens: Int64) {
        self.reason = reason
        self.tokens = tokens
    }
}

/// One row of `push.campaign_attempts`.
public struct AttemptCount: Hashable, Sendable {
    /// The attempt that ended these tokens; 0 for tokens never claimed (swept or cancelled).
    public var attempt: Int
    public var tokens: Int64
    /// How many of them were accepted.
    public var accepted: Int64

    public init(attempt: Int, tokens: Int64, accepted: Int64) {
        self.attempt = attempt
        self.tokens = tokens
        self.accepted = accepted
    }
}

/// One row of `push.campaign_latency`, in seconds.
public struct LatencyPercentiles: Hashable, Sendable {
    /// Accepted outcomes that carry an enqueue time.
    public var samples: Int64
    public var p50: Double
    public var p95: Double
    public var p99: Double
    public var max: Double

    public init(samples: Int64, p50: Double, p95: Double, p99: Double, max: Double) {
        self.samples = samples
        self.p50 = p50
        self.p95 = p95
        self.p99 = p99
        self.max = max
    }
}
