import Foundation
import NIOCore
import PostgresNIO

/// One report that a device token stopped being valid at a given time (what a feedback service
/// says). The queue neither knows nor cares which transport produced it.
public struct InvalidTokenReport: Sendable, Hashable {
    /// The token in binary form.
    public var token: [UInt8]
    /// When the token stopped being valid.
    public var invalidAt: Date

    public init(token: [UInt8], invalidAt: Date) {
        self.token = token
        self.invalidAt = invalidAt
    }
}

/// What recording a list of ``InvalidTokenReport``s did, counted per report.
public struct FeedbackTally: Sendable, Hashable {
    /// Reports handed in.
    public var read = 0
    /// Tokens disabled by these reports.
    public var disabled = 0
    /// Reports about tokens registered again after the report's time: the tokens stay active.
    public var kept = 0
    /// Reports about tokens this app never registered.
    public var unknown = 0
    /// Reports about tokens already disabled (by the worker or an earlier report).
    public var alreadyDisabled = 0
    /// Reports recorded before (same app, token and time), or repeated within the list: nothing done.
    public var repeated = 0

    public init() {}

    public static func += (lhs: inout FeedbackTally, rhs: FeedbackTally) {
        lhs.read += rhs.read
        lhs.disabled += rhs.disabled
        lhs.kept += rhs.kept
        lhs.unknown += rhs.unknown
        lhs.alreadyDisabled += rhs.alreadyDisabled
        lhs.repeated += rhs.repeated
    }

    /// Counts one action name returned by `push.record_feedback_batch`; `false` for an unknown name.
    mutating func count(action: String, tuples: Int) -> Bool {
        switch action {
        case "disabled": disabled += tuples
        case "kept (registered again after it became invalid)": kept += tuples
        case "unknown token": unknown += tuples
        case "already disabled": alreadyDisabled += tuples
        default: return false
        }
        return true
    }
}

extension JobQueue {
    /// Records feedback reports of one app, `chunkSize` reports per statement
    /// (`push.record_feedback_batch`): each token is disabled unless it was registered again after
    /// its report's time, and each new report is logged in `push.feedback_event` with what was done.
    ///
    /// Safe to repeat: a report already recorded (same app, token and time) changes nothing and is
    /// counted as ``FeedbackTally/repeated``. Each chunk commits on its own, so a failure part-way
    /// keeps the chunks before it, and running again finishes the rest.
    public func recordInvalidTokens(app: AppID, reports: [InvalidTokenReport], chunkSize: Int = 5_000) async throws
        -> FeedbackTally
    {
        precondition(chunkSize > 0, "chunk size must be positive")
        var tally = FeedbackTally()
        tally.read = reports.count
        var recorded = 0
        for start in stride(from: 0, to: reports.count, by: chunkSize) {
            let chunk = reports[start..<min(start + chunkSize, reports.count)]
            let query = Queries.recordFeedbackBatch(
                app: app, tokens: chunk.map { ByteBuffer(bytes: $0.token) }, invalidAt: chunk.map(\.invalidAt))
            let rows = try await client.query(query, logger: logger)
            for try await (action, tuples) in rows.decode((String, Int64).self) {
                guard tally.count(action: action, tuples: Int(tuples)) else {
                    throw UnexpectedFeedbackAction(action: action)
                }
                recorded += Int(tuples)
            }
        }
        tally.repeated = reports.count - recorded
        return tally
    }
}

/// `push.record_feedback_batch` answered with an action this build does not know (a newer schema).
public struct UnexpectedFeedbackAction: Error, CustomStringConvertible {
    public var action: String
    public var description: String { "push.record_feedback_batch returned an unknown action '\(action)'" }
}
