import Foundation

/// What happened to one token of a claimed job, as the sender reports it. Codes and reasons are
/// the transport's and opaque to the queue; they are stored as given.
public enum TokenOutcome: Hashable, Sendable {
    /// The gateway took the notification.
    case accepted
    /// The gateway refused it. With `disableToken`, the device token is disabled with that reason
    /// unless it was registered again after `invalidSince` (the time APNs says the token became
    /// invalid, from an HTTP/2 410) or, without one, after this job was claimed.
    case rejected(code: Int32, reason: String, disableToken: String? = nil, invalidSince: Date? = nil)
    /// The campaign expired before the notification was sent; it was not sent.
    case expired
    /// The sender gave up on this token (a terminal failure).
    case failed(code: Int32? = nil, reason: String)
    /// Try again later, with exponential back-off; on the job's last attempt this is recorded as
    /// `failed` instead.
    case retry(code: Int32? = nil, reason: String)
    /// Not sent and not tried: hand back without counting an attempt.
    case released
}

/// The terminal kinds in the ledger `push.outcome.kind`; mirrors the `push.outcome_kind` enum.
public enum OutcomeKind: String, CaseIterable, Sendable {
    case accepted, rejected, expired, failed, cancelled, skipped
}
