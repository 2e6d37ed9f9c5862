import Foundation

/// One device token of a claimed job: its id and its bytes, ready to send.
public struct Recipient: Hashable, Sendable {
    public let tokenID: TokenID
    public let token: [UInt8]

    public init(tokenID: TokenID, token: [UInt8]) {
        self.tokenID = tokenID
        self.token = token
    }
}

/// A job this worker holds a lease on: a chunk of tokens of one campaign, with everything a
/// sender needs so it makes no per-token lookups.
public struct ClaimedJob: Sendable {
    public let id: JobID
    public let campaignID: CampaignID
    public let appID: AppID
    /// 1 on the first claim; counts every claim except released hand-backs.
    public let attempt: Int
    public let maxAttempts: Int
    /// When the campaign expires; `nil` when it never does. Tokens not sent by then are `.expired`.
    public let expiresAt: Date?
    /// The lease ends here unless ``JobQueue/extendLeases()`` pushes it on.
    public let leaseUntil: Date
    /// The tokens to send, in token id order.
    public let recipients: [Recipient]
    /// Tokens disabled after they were enqueued (checked at claim time). They are never sent; a
    /// ``JobReport`` records them as `skipped` on its own.
    public let skipped: [TokenID]

    public init(id: JobID, campaignID: CampaignID, appID: AppID, attempt: Int, maxAttempts: Int,
                expiresAt: Date?, leaseUntil: Date, recipients: [Recipient], skipped: [TokenID]) {
        self.id = id
        self.campaignID = campaignID
        self.appID = appID
        self.attempt = attempt
        self.maxAttempts = maxAttempts
        self.expiresAt = expiresAt
        self.leaseUntil = leaseUntil
        self.recipients = recipients
        self.skipped = skipped
    }

    /// True when a retry of this job would exceed the attempt cap.
    public var isFinalAttempt: Bool { attempt >= maxAttempts }
}
