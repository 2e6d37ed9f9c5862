import Foundation
import PostgresNIO

/// What one ``JobQueue/complete(_:)`` call changed.
public struct CompletionResult: Sendable, Equatable {
    /// Jobs whose every token now has a terminal outcome (their rows are gone).
    public var finished: [JobID] = []
    /// Jobs handed back with their retry/unsent tokens.
    public var requeued: [JobID] = []
    /// Jobs this worker no longer held; nothing was recorded for them.
    public var stale: [JobID] = []
    /// Ledger rows written.
    public var outcomesRecorded = 0
    /// Device tokens disabled.
    public var tokensDisabled = 0

    public init() {}

    init(rows: PostgresRowSequence) async throws {
        self.init()
        for try await (finished, requeued, recorded, disabled) in rows.decode(([Int64], [Int64], Int64, Int64).self) {
            self.finished = finished.map { JobID($0) }
            self.requeued = requeued.map { JobID($0) }
            self.outcomesRecorded = Int(recorded)
            self.tokensDisabled = Int(disabled)
        }
    }

    mutating func merge(_ other: CompletionResult) {
        finished += other.finished
        requeued += other.requeued
        stale += other.stale
        outcomesRecorded += other.outcomesRecorded
        tokensDisabled += other.tokensDisabled
    }
}

/// What one rescue pass did.
public struct RescueResult: Sendable, Equatable {
    /// Jobs made claimable again.
    public var rescuedJobs: Int
    /// Jobs that were on their last attempt and ended `failed`.
    public var failedJobs: Int
    public var failedTokens: Int

    public init(rescuedJobs: Int, failedJobs: Int, failedTokens: Int) {
        self.rescuedJobs = rescuedJobs
        self.failedJobs = failedJobs
        self.failedTokens = failedTokens
    }
}

/// What one sweep pass did.
public struct SweepResult: Sendable, Equatable {
    public var jobs: Int
    public var tokens: Int

    public init(jobs: Int, tokens: Int) {
        self.jobs = jobs
        self.tokens = tokens
    }
}

/// The parts of a campaign a sender needs; the payload is the stored JSON text, byte for byte.
public struct CampaignRecord: Sendable, Equatable {
    public let id: CampaignID
    public let appID: AppID
    public let payload: [UInt8]
    public let apnsPriority: Int
    public let pushType: String
    public let collapseID: String?
    public let expiresAt: Date?
    public let isCancelled: Bool

    public init(id: CampaignID, appID: AppID, payload: [UInt8], apnsPriority: Int, pushType: String,
                collapseID: String?, expiresAt: Date?, isCancelled: Bool) {
        self.id = id
        self.appID = appID
        self.payload = payload
        self.apnsPriority = apnsPriority
        self.pushType = pushType
        self.collapseID = collapseID
        self.expiresAt = expiresAt
        self.isCancelled = isCancelled
    }
}
