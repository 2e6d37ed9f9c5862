/// The HTTP/2 side of the mock gateway: where it listens, whom it trusts and which faults it
/// injects. The TLS identity, ledger, seed, invalid-token list and connection limit are the
/// binary side's (`MockGatewayConfiguration`).
public struct HTTP2GatewayConfiguration: Sendable {
    /// Port to listen on (APNs uses 443 and 2197); 0 picks a free port.
    public var port: Int
    public var authentication: HTTP2Authentication
    public var faults: HTTP2FaultPlan
    /// Longest time a connection stays open after GOAWAY while streams below it finish.
    public var goAwayGracePeriodSeconds: Int64

    public init(
        port: Int = 0,
        authentication: HTTP2Authentication = HTTP2Authentication(),
        faults: HTTP2FaultPlan = HTTP2FaultPlan(),
        goAwayGracePeriodSeconds: Int64 = 10
    ) {
        self.port = port
        self.authentication = authentication
        self.faults = faults
        self.goAwayGracePeriodSeconds = goAwayGracePeriodSeconds
    }
}
