/// Counters of one pool, for tests, benchmarks and metrics.
public struct GatewayPoolStatistics: Sendable, Hashable {
    /// Connections whose TLS handshake completed.
    public var connectionsEstablished = 0
    /// Connect attempts or connections that ended without protocol evidence.
    public var connectionFailures = 0
    /// Probes the gateway answered (each proved a whole connection's notifications).
    public var probesAnswered = 0
    /// Outcomes delivered, by kind.
    public var accepted = 0
    public var rejected = 0
    public var failed = 0
    /// Notifications handed back after the gateway rejected an earlier one on their connection.
    public var resentAfterRejection = 0
    /// Notifications handed back after a shutdown response (status 10).
    public var resentAfterShutdown = 0
    /// Notifications handed back with nothing proven: closed without a response, or an error
    /// naming an unknown id. These may already have been delivered (possible duplicates).
    public var resentUnproven = 0

    public init() {}

    /// Every notification handed back for another attempt.
    public var resent: Int { resentAfterRejection + resentAfterShutdown + resentUnproven }
}
