import NIOCore

/// The failures the HTTP/2 gateway injects on purpose, parallel to the binary `FaultPlan`
/// (whose `seed`, `invalidTokens` and `connectionLimit` apply to HTTP/2 too: listed invalid
/// tokens are answered `410 Unregistered`).
///
/// For each request that passed validation and authentication the order is: `invalidTokens`
/// (410), `reasonsByToken`, then one draw per `reasonRates` entry in order (the first hit
/// answers). Connection-level faults (stream limits, GOAWAY) count every answered request.
public struct HTTP2FaultPlan: Sendable {
    /// A reason answered at a fraction of requests.
    public struct ReasonRate: Sendable, Hashable {
        public var reason: HTTP2Reason
        /// Probability in 0...1.
        public var rate: Double

        public init(reason: HTTP2Reason, rate: Double) {
            self.reason = reason
            self.rate = rate
        }
    }

    /// `SETTINGS_MAX_CONCURRENT_STREAMS` the gateway announces (APNs has shown 500 to 1,500).
    public var maxConcurrentStreams: Int
    /// Token connections start at one stream and get `maxConcurrentStreams` once a request with
    /// a valid token succeeded, as APNs documents.
    public var tokenConnectionsStartWithOneStream: Bool
    /// After this many answered requests at the full limit, announce a limit of 1; see
    /// `streamLimitRiseAfter`. Repeats.
    public var streamLimitDropAfter: Int?
    /// After this many answered requests at a limit of 1, announce the full limit again.
    public var streamLimitRiseAfter: Int
    /// Announce a limit of 1 after each rejected request and the full limit after the next
    /// accepted one (APNs' behaviour seen in the field, openradar 27870881).
    public var streamLimitFollowsRejections: Bool
    /// After this many answered requests on a connection, send GOAWAY (error NO_ERROR, JSON
    /// `{"reason": goAwayReason}`) naming the highest stream processed (answered, or judged and
    /// waiting out the latency), answer the streams below it that are still open, then close the
    /// connection.
    public var goAwayAfter: Int?
    public var goAwayReason: HTTP2Reason
    /// Device tokens answered with a given reason.
    public var reasonsByToken: [ByteBuffer: HTTP2Reason]
    /// Reasons answered at random to a fraction of requests, drawn in order.
    public var reasonRates: [ReasonRate]
    /// Delay before each response is written.
    public var responseLatency: TimeAmount?

    public init(
        maxConcurrentStreams: Int = 1000,
        tokenConnectionsStartWithOneStream: Bool = true,
        streamLimitDropAfter: Int? = nil,
        streamLimitRiseAfter: Int = 1,
        streamLimitFollowsRejections: Bool = false,
        goAwayAfter: Int? = nil,
        goAwayReason: HTTP2Reason = .shutdown,
        reasonsByToken: [ByteBuffer: HTTP2Reason] = [:],
        reasonRates: [ReasonRate] = [],
        responseLatency: TimeAmount? = nil
    ) {
        self.maxConcurrentStreams = maxConcurrentStreams
        self.tokenConnectionsStartWithOneStream = tokenConnectionsStartWithOneStream
        self.streamLimitDropAfter = streamLimitDropAfter
        self.streamLimitRiseAfter = streamLimitRiseAfter
        self.streamLimitFollowsRejections = streamLimitFollowsRejections
        self.goAwayAfter = goAwayAfter
        self.goAwayReason = goAwayReason
        self.reasonsByToken = reasonsByToken
        self.reasonRates = reasonRates
        self.responseLatency = responseLatency
    }

    /// The injected reason for a valid request to `deviceToken`, if any. Draws from `random`
    /// once per rate entry until one hits, so a seeded generator gives a reproducible run.
    func injectedReason(
        for deviceToken: ByteBuffer,
        invalidTokens: Set<ByteBuffer>,
        random: inout SplitMix64
    ) -> HTTP2Reason? {
        if !invalidTokens.isEmpty, invalidTokens.contains(deviceToken) { return .unregistered }
        if !reasonsByToken.isEmpty, let reason = reasonsByToken[deviceToken] { return reason }
        for entry in reasonRates where random.draw(entry.rate) {
            return entry.reason
        }
        return nil
    }
}
