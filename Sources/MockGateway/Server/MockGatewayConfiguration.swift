import NIOCore

/// Everything the mock gateway needs to start.
public struct MockGatewayConfiguration: Sendable {
    /// Address every service listens on.
    public var host: String
    /// Port of the binary gateway (APNs used 2195); 0 picks a free port.
    public var gatewayPort: Int
    /// Port of the feedback service (APNs used 2196); 0 picks a free port, `nil` runs none.
    public var feedbackPort: Int?
    public var tls: GatewayServerTLS
    public var rules: FrameRules
    public var faults: FaultPlan
    public var feedback: FeedbackPlan
    /// The HTTP/2 provider API on its own port; `nil` runs none. It shares the TLS identity,
    /// ledger, counters, seed, invalid-token list and connection limit with the binary gateway.
    public var http2: HTTP2GatewayConfiguration?
    /// File that receives one line per accepted notification (see `GatewayLedger`); `nil` keeps
    /// only the counters.
    public var ledgerPath: String?
    /// How long a connection that was answered with an error stays half-open, discarding input,
    /// before the gateway closes it (if the client has not closed it first).
    public var lingerAfterError: TimeAmount
    /// Count duplicates (token + payload accepted before). Costs about 16 bytes of memory per
    /// distinct accepted notification for the gateway's lifetime; switch off for very long runs.
    public var tracksDuplicates: Bool

    public init(
        host: String = "127.0.0.1",
        gatewayPort: Int = 0,
        feedbackPort: Int? = 0,
        tls: GatewayServerTLS,
        rules: FrameRules = FrameRules(),
        faults: FaultPlan = FaultPlan(),
        feedback: FeedbackPlan = FeedbackPlan(),
        http2: HTTP2GatewayConfiguration? = nil,
        ledgerPath: String? = nil,
        lingerAfterError: TimeAmount = .seconds(2),
        tracksDuplicates: Bool = true
    ) {
        self.host = host
        self.gatewayPort = gatewayPort
        self.feedbackPort = feedbackPort
        self.tls = tls
        self.rules = rules
        self.faults = faults
        self.feedback = feedback
        self.http2 = http2
        self.ledgerPath = ledgerPath
        self.lingerAfterError = lingerAfterError
        self.tracksDuplicates = tracksDuplicates
    }
}
