import APNSBinary
import APNSHTTP2
import Testing

@testable import PushWorker

/// HTTP/2 pool counters in the worker's terms: what maps onto the binary pool's counters and what
/// HTTP/2 keeps of its own.
@Suite struct TransportStatisticsTests {
    @Test func http2CountersMapOntoTheBinaryPoolsAndKeepTheirOwn() {
        var http2 = HTTP2PoolStatistics()
        http2.connectionsEstablished = 4
        http2.connectionFailures = 1
        http2.goAwaysReceived = 2
        http2.accepted = 90
        http2.rejected = 6
        http2.retryLater = 3
        http2.failed = 1
        http2.resentNotProcessed = 7
        http2.resentLost = 5
        http2.resentAfterTokenRenewal = 8
        let statistics = TransportStatistics(http2: http2)
        #expect(statistics.pool.connectionsEstablished == 4 && statistics.pool.connectionFailures == 1)
        #expect(statistics.pool.accepted == 90 && statistics.pool.rejected == 9 && statistics.pool.failed == 1)
        // Not processed: no duplicate possible. Lost: possible duplicates, as unproven binary resends.
        #expect(statistics.pool.resentAfterShutdown == 7 && statistics.pool.resentUnproven == 5)
        #expect(statistics.pool.probesAnswered == 0 && statistics.pool.resentAfterRejection == 0)
        #expect(statistics.goAwaysReceived == 2 && statistics.resentAfterTokenRenewal == 8)
        #expect(statistics.pool.resent == 12)
    }

    @Test func binaryCountersPassThrough() {
        var binary = GatewayPoolStatistics()
        binary.accepted = 3
        binary.resentUnproven = 2
        let statistics = TransportStatistics(binary: binary)
        #expect(statistics.pool == binary)
        #expect(statistics.goAwaysReceived == 0 && statistics.resentAfterTokenRenewal == 0)
    }
}
