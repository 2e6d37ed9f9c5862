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
        var previous: [String: GatewayPoolStatistics] = [:]
        while (try? await Task.sleep(for: interval)) != nil {
            for (app, current) in await senders.poolStatistics() {
                let before = previous[app] ?? GatewayPoolStatistics()
                export(app: app, from: before, to: current)
                if current != before {
                    logger.info("progress", metadata: [
                        "app": "\(app)", "accepted": "\(current.accepted)", "rejected": "\(current.rejected)",
                        "failed": "\(current.failed)", "resent": "\(current.resent)",
                        "connections": "\(current.connectionsEstablished)",
                        "accepted_per_s": "\(Self.rate(current.accepted - before.accepted, over: interval))",
                    ])
                }
                previous[app] = current
            }
        }
    }

    private func export(app: String, from before: GatewayPoolStatistics, to now: GatewayPoolStatistics) {
        let app = (WorkerMetrics.Label.app, app)
        Self.add(now.connectionsEstablished - before.connectionsEstablished, WorkerMetrics.connectionsEstablished, [app])
        Self.add(now.connectionFailures - before.connectionFailures, WorkerMetrics.connectionFailures, [app])
        Self.add(now.probesAnswered - before.probesAnswered, WorkerMetrics.probesAnswered, [app])
        Self.add(now.resentAfterRejection - before.resentAfterRejection, WorkerMetrics.resent, [app, (WorkerMetrics.Label.after, "rejection")])
        Self.add(now.resentAfterShutdown - before.resentAfterShutdown, WorkerMetrics.resent, [app, (WorkerMetrics.Label.after, "shutdown")])
        Self.add(now.resentUnproven - before.resentUnproven, WorkerMetrics.resent, [app, (WorkerMetrics.Label.after, "unproven")])
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
