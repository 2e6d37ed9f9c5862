import Foundation

/// The column arrays of one completion statement, built from job reports without I/O.
///
/// Encoding rules (the SQL in ``Queries/complete(worker:batch:)`` relies on them):
/// - a job whose every token is terminal is *finished*: its row is deleted, and each token not
///   listed in the explicit outcome rows is recorded as `accepted`;
/// - a job with tokens to retry or hand back is *requeued* in place with only those tokens; all of
///   its terminal outcomes, `accepted` included, are explicit rows;
/// - `retry` on the job's last attempt becomes `failed`; an unrecorded token is `released`;
/// - a requeue with at least one `retry` waits the back-off and keeps its attempt count; one with
///   only released tokens runs again at once and gives its attempt back.
struct CompletionBatch: Equatable {
    /// Stands for "no code" in `codes` (arrays cannot hold NULL through PostgresNIO).
    static let noCode = Int32.min

    var finishedJobs: [Int64] = []

    var requeuedJobs: [Int64] = []
    var requeueDelays: [Double] = []
    var requeueRefunds: [Bool] = []
    var keptJobs: [Int64] = []
    var keptTokens: [Int64] = []

    var outcomeJobs: [Int64] = []
    var outcomeTokens: [Int64] = []
    var outcomeKinds: [String] = []
    var outcomeCodes: [Int32] = []
    var outcomeReasons: [String] = []
    /// Lower-case UUID text, or "" for none.
    var outcomeApnsIDs: [UUID] = []

    var disableJobs: [Int64] = []
    var disableTokens: [Int64] = []
    var disableReasons: [String] = []
    /// UNIX seconds from which the token counts as invalid; ``noInvalidSince`` for "since the claim".
    var disableInvalidSince: [Double] = []

    /// Stands for "no time given" in `disableInvalidSince` (the claim time applies).
    static let noInvalidSince = -1.0
    /// Stands for "no apns-id" in ``outcomeApnsIDs`` (`[UUID?]` does not bind); the nil UUID is
    /// never an apns-id APNs hands out.
    static let noApnsID = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))

    var isEmpty: Bool { finishedJobs.isEmpty && requeuedJobs.isEmpty }

    init() {}

    /// Builds the batch; `delay` gives the back-off in seconds after a failed attempt.
    init(reports: [JobReport], delay: (Int) -> Double) {
        for report in reports {
            append(report, delay: delay)
        }
    }

    mutating func append(_ report: JobReport, delay: (Int) -> Double) {
        let job = report.job
        let jobID = job.id.rawValue
        var kept: [Int64] = []
        var hasRetry = false
        var terminal: [(token: Int64, outcome: TokenOutcome, apnsID: UUID?)] = []
        terminal.reserveCapacity(job.skipped.count)

        for (index, recipient) in job.recipients.enumerated() {
            let tokenID = recipient.tokenID.rawValue
            switch report.outcomes[index] ?? .released {
            case .retry(let code, let reason) where job.isFinalAttempt:
                terminal.append((tokenID, .failed(code: code, reason: reason), report.apnsIDs[index]))
            case .retry:
                hasRetry = true
                kept.append(tokenID)
            case .released:
                kept.append(tokenID)
            case let outcome:
                terminal.append((tokenID, outcome, report.apnsIDs[index]))
            }
        }

        let requeue = !kept.isEmpty
        if requeue {
            requeuedJobs.append(jobID)
            requeueDelays.append(hasRetry ? delay(job.attempt) : 0)
            requeueRefunds.append(!hasRetry)
            keptJobs.append(contentsOf: repeatElement(jobID, count: kept.count))
            keptTokens.append(contentsOf: kept)
        } else {
            finishedJobs.append(jobID)
        }
        for skipped in job.skipped {
            appendOutcome(job: jobID, token: skipped.rawValue, kind: .skipped, code: nil, reason: "disabled after enqueue")
        }
        for (token, outcome, apnsID) in terminal {
            switch outcome {
            case .accepted:
                // A finished job's accepted tokens are implicit rows, unless they carry an apns-id.
                if requeue || apnsID != nil {
                    appendOutcome(job: jobID, token: token, kind: .accepted, code: nil, reason: nil, apnsID: apnsID)
                }
            case .rejected(let code, let reason, let disable, let invalidSince):
                appendOutcome(job: jobID, token: token, kind: .rejected, code: code, reason: reason, apnsID: apnsID)
                if let disable {
                    disableJobs.append(jobID)
                    disableTokens.append(token)
                    disableReasons.append(disable)
                    disableInvalidSince.append(invalidSince.map { max(0, $0.timeIntervalSince1970) } ?? Self.noInvalidSince)
                }
            case .expired:
                appendOutcome(job: jobID, token: token, kind: .expired, code: nil, reason: nil)
            case .failed(let code, let reason):
                appendOutcome(job: jobID, token: token, kind: .failed, code: code, reason: reason, apnsID: apnsID)
            case .retry, .released:
                preconditionFailure("retry and released tokens are kept, never terminal")
            }
        }
    }

    private mutating func appendOutcome(
        job: Int64, token: Int64, kind: OutcomeKind, code: Int32?, reason: String?, apnsID: UUID? = nil
    ) {
        outcomeJobs.append(job)
        outcomeTokens.append(token)
        outcomeKinds.append(kind.rawValue)
        outcomeCodes.append(code ?? Self.noCode)
        outcomeReasons.append(reason ?? "")
        outcomeApnsIDs.append(apnsID ?? Self.noApnsID)
    }
}
