/// Counters of one HTTP/2 pool, for tests, benchmarks and metrics.
public struct HTTP2PoolStatistics: Sendable, Hashable {
    /// Connections whose TLS handshake completed with ALPN h2.
    public var connectionsEstablished = 0
    /// Connect attempts or connections that ended before any request was answered.
    public var connectionFailures = 0
    /// GOAWAY frames received.
    public var goAwaysReceived = 0
    /// Outcomes delivered, by kind.
    public var accepted = 0
    public var rejected = 0
    public var retryLater = 0
    public var failed = 0
    /// Notifications sent again because APNs did not process them (refused, above GOAWAY's
    /// last-stream-id): never duplicates.
    public var resentNotProcessed = 0
    /// Notifications sent again after their stream was lost (possible duplicates).
    public var resentLost = 0
    /// Notifications sent again with a renewed provider token (`ExpiredProviderToken`).
    public var resentAfterTokenRenewal = 0

    public init() {}
}
