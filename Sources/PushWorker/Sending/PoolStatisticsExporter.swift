import APNSBinary
import CoreMetrics
import JobQueue
import Logging
import Metrics

/// Turns each app pool's counters into metrics (as counter increments since the last sample) and
/// writes one progress line per app that moved since the last sample.
struct PoolStatisticsExporter: Sendable {
    let senders: SenderRegistry
    let interval: Duration
    let logger: Logger

    /// Samples every `interval` until cancelled.
    func run() async {
        var previous: [String: TransportStatistics] = [:]
        while (try? await Task.sleep(for: interval)) != nil {
            for (app, statistics) in await senders.poolStatistics() {
                let earlier = previous[app] ?? TransportStatistics()
                export(app: app, from: earlier, to: statistics)
                let current = statistics.pool, before = earlier.pool
                if current != before {
                    logger.info("progress", metadata: [
                        "app": "\(app)", "accepted": "\(current.accepted)", "rejected": "\(current.rejected)",
                        "failed": "\(current.failed)", "resent": "\(current.resent)",
                        "connections": "\(current.connectionsEstablished)",
                        "accepted_per_s": "\(Self.rate(current.accepted - before.accepted, over: interval))",
                    ])
                }
                previous[app] = statistics
            }
        }
    }

    private func export(app: String, from earlier: TransportStatistics, to statistics: TransportStatistics) {
        let before = earlier.pool, now = statistics.pool
        let app = (WorkerMetrics.Label.app, app)
        Self.add(now.connectionsEstablished - before.connectionsEstablished, WorkerMetrics.connectionsEstablished, [app])
        Self.add(now.connectionFailures - before.connectionFailures, WorkerMetrics.connectionFailures, [app])
        Self.add(now.probesAnswered - before.probesAnswered, WorkerMetrics.probesAnswered, [app])
        Self.add(now.resentAfterRejection - before.resentAfterRejection, WorkerMetrics.resent, [app, (WorkerMetrics.Label.after, "rejection")])
        Self.add(now.resentAfterShutdown - before.resentAfterShutdown, WorkerMetrics.resent, [app, (WorkerMetrics.Label.after, "shutdown")])
        Self.add(now.resentUnproven - before.resentUnproven, WorkerMetrics.resent, [app, (WorkerMetrics.Label.after, "unproven")])
        Self.add(
            statistics.resentAfterTokenRenewal - earlier.resentAfterTokenRenewal, WorkerMetrics.resent,
            [app, (WorkerMetrics.Label.after, "token_renewal")])
        Self.add(statistics.goAwaysReceived - earlier.goAwaysReceived, WorkerMetrics.goAways, [app])
    }

    private static func add(_ delta: Int, _ label: String, _ dimensions: [(String, String)]) {
        guard delta > 0 else { return }
        Counter(label: label, dimensions: dimensions).increment(by: delta)
    }

    private static func rate(_ count: Int, over interval: Duration) -> Int {
        let seconds = Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18
        return seconds > 0 ? Int((Double(count) / seconds).rounded()) : 0
    }
}
