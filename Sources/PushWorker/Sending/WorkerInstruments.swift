import APNSBinary
import CoreMetrics
import Metrics

/// The worker's metrics, through swift-metrics (exported by whatever backend the process
/// bootstrapped; `pushworker run` bootstraps Prometheus and serves it on `/metrics`).
struct WorkerInstruments: Sendable {
    private let sent = Counter(label: WorkerMetrics.notificationsSent)
    private let accepted = Counter(label: WorkerMetrics.notificationsAccepted)
    private let retries = Counter(label: WorkerMetrics.retries)
    private let released = Counter(label: WorkerMetrics.released)
    private let jobsClaimed = Counter(label: WorkerMetrics.jobsClaimed)
    let inFlightJobs = Gauge(label: WorkerMetrics.inFlightJobs)
    let inFlightNotifications = Gauge(label: WorkerMetrics.inFlight)
    private let claimDuration = Timer(label: WorkerMetrics.claimDuration, preferredDisplayUnit: .seconds)

    func notificationsSubmitted(_ count: Int) {
        sent.increment(by: count)
    }

    func claimed(jobs: Int) {
        jobsClaimed.increment(by: jobs)
    }

    func claimed(after duration: Duration) {
        let (seconds, attoseconds) = duration.components
        claimDuration.recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }

    func record(_ tally: InFlightJobs.Tally) {
        if tally.accepted > 0 { accepted.increment(by: tally.accepted) }
        if tally.retried > 0 { retries.increment(by: tally.retried) }
        if tally.released > 0 { released.increment(by: tally.released) }
        for (rejection, count) in tally.rejected {
            Counter(label: WorkerMetrics.notificationsRejected,
                    dimensions: [(WorkerMetrics.Label.status, rejection.status), (WorkerMetrics.Label.reason, rejection.reason)])
                .increment(by: count)
        }
    }
}
