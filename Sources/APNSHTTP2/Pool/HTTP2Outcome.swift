import APNSBinary

/// How one notification ended. Every submitted notification gets exactly one outcome.
public struct HTTP2Outcome: Sendable, Hashable {
    public enum Result: Sendable, Hashable {
        /// APNs answered 200; `apnsID` is its `apns-id` header.
        case accepted(apnsID: String?)
        /// APNs refused the notification for good (bad token, topic, payload, …). A 410 carries
        /// the time the token became invalid in `response.timestamp`.
        case rejected(HTTP2Response)
        /// APNs asked to try later (429, 5xx); the pool does not resend these itself.
        case retryLater(HTTP2Response)
        /// The pool gave up on it: connection or stream lost too often, gateway unreachable,
        /// credentials rejected (``GatewayFailure/isFatal``), or the pool closed.
        case failed(GatewayFailure)
    }

    public var tag: UInt64
    public var result: Result

    public init(tag: UInt64, result: Result) {
        self.tag = tag
        self.result = result
    }
}
