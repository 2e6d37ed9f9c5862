import APNSBinary
import CoreMetrics
import Metrics

/// The worker's metrics, through swift-metrics (exported by whatever backend the process
/// bootstrapped; `pushworker run` bootstraps Prometheus and serves it on `/metrics`).
struct WorkerInstruments: Sendable {
    private let sent = Counter(label: "pushworker_notifications_sent_total")
    private let accepted = Counter(label: "pushworker_notifications_accepted_total")
    private let retries = Counter(label: "pushworker_retries_total")
    private let released = Counter(label: "pushworker_notifications_released_total")
    private let jobsClaimed = Counter(label: "pushworker_jobs_claimed_total")
    let inFlightJobs = Gauge(label: "pushworker_in_flight_jobs")
    let inFlightNotifications = Gauge(label: "pushworker_in_flight")
    private let claimDuration = Timer(label: "pushworker_claim_seconds", preferredDisplayUnit: .seconds)

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
        for (status, count) in tally.rejected {
            Counter(label: "pushworker_notifications_rejected_total",
                    dimensions: [("status", "\(status.rawValue)"), ("reason", status.name)]).increment(by: count)
        }
    }
}
