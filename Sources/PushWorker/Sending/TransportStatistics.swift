import APNSBinary
import APNSHTTP2

/// One app pool's counters as the worker reports them (metrics, progress lines, the "gateway pool
/// totals" line): the binary pool's counters, which HTTP/2's map onto, plus what only HTTP/2 has.
struct TransportStatistics: Sendable, Hashable {
    var pool = GatewayPoolStatistics()
    /// GOAWAY frames received (HTTP/2).
    var goAwaysReceived = 0
    /// Notifications sent again with a renewed provider token after `ExpiredProviderToken`
    /// (HTTP/2 token authentication).
    var resentAfterTokenRenewal = 0

    init(binary: GatewayPoolStatistics = GatewayPoolStatistics()) {
        self.pool = binary
    }

    /// HTTP/2 counters in the binary pool's terms: refusals and 429/5xx count as rejected; streams
    /// lost and sent again as unproven resends (possible duplicates); streams APNs did not process
    /// (refused, above a GOAWAY) as resends after shutdown (no duplicate possible); no probes.
    init(http2: HTTP2PoolStatistics) {
        pool.connectionsEstablished = http2.connectionsEstablished
        pool.connectionFailures = http2.connectionFailures
        pool.accepted = http2.accepted
        pool.rejected = http2.rejected + http2.retryLater
        pool.failed = http2.failed
        pool.resentAfterShutdown = http2.resentNotProcessed
        pool.resentUnproven = http2.resentLost
        goAwaysReceived = http2.goAwaysReceived
        resentAfterTokenRenewal = http2.resentAfterTokenRenewal
    }
}
