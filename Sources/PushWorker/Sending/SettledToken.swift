import APNSBinary
import APNSHTTP2
import Foundation

/// One settled notification as the worker sees it, whatever the transport: its tag, what to
/// record (``OutcomeMapping`` or ``HTTP2OutcomeMapping``), and for metrics the gateway's refusal.
struct SettledToken: Sendable, Equatable {
    var tag: UInt64
    var decision: OutcomeMapping.Decision
    /// Set when the gateway refused the notification (finally or for now).
    var rejection: RejectionLabel?
    /// HTTP/2: the `apns-id` of APNs' answer, recorded with the outcome.
    var apnsID: UUID?

    init(tag: UInt64, decision: OutcomeMapping.Decision, rejection: RejectionLabel? = nil, apnsID: UUID? = nil) {
        self.tag = tag
        self.decision = decision
        self.rejection = rejection
        self.apnsID = apnsID
    }

    init(_ outcome: GatewayOutcome) {
        var rejection: RejectionLabel?
        if case .rejected(let status) = outcome.result { rejection = RejectionLabel(status) }
        self.init(tag: outcome.tag, decision: OutcomeMapping.decide(outcome.result), rejection: rejection)
    }

    init(_ outcome: HTTP2Outcome) {
        var rejection: RejectionLabel?
        var apnsID: String?
        switch outcome.result {
        case .rejected(let response), .retryLater(let response):
            rejection = RejectionLabel(response)
            apnsID = response.apnsID
        case .accepted(let id):
            apnsID = id
        case .failed:
            break
        }
        self.init(
            tag: outcome.tag, decision: HTTP2OutcomeMapping.decide(outcome.result), rejection: rejection,
            apnsID: apnsID.flatMap { UUID(apnsID: $0) })
    }
}

/// A gateway refusal as metrics label it: the status (binary status byte or HTTP status) and the
/// reason's name.
struct RejectionLabel: Sendable, Hashable {
    var status: String
    var reason: String

    init(status: String, reason: String) {
        self.status = status
        self.reason = reason
    }

    init(_ status: BinaryStatus) {
        self.init(status: "\(status.rawValue)", reason: status.name)
    }

    init(_ response: HTTP2Response) {
        self.init(status: "\(response.status)", reason: response.reason?.name ?? "none")
    }
}
