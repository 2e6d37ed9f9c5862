import Metrics
import Prometheus

/// The names and labels of every metric pushworker exports, in one place. The worker and the
/// feedback job record through swift-metrics (`Counter`, `Gauge`, `Timer`) with these names; the
/// Prometheus factory turns them into the series that `/metrics` shows.
public enum WorkerMetrics {
    /// Notifications written to a gateway connection (resends count again).
    public static let notificationsSent = "pushworker_notifications_sent_total"
    /// Notifications the gateway is proven to have accepted.
    public static let notificationsAccepted = "pushworker_notifications_accepted_total"
    /// Notifications the gateway refused; labelled with ``Label/status`` and ``Label/reason``,
    /// e.g. `{status="8",reason="invalid token"}`.
    public static let notificationsRejected = "pushworker_notifications_rejected_total"
    /// Tokens handed back to the queue for another attempt.
    public static let retries = "pushworker_retries_total"
    /// Notifications written and not yet settled (a gauge).
    public static let inFlight = "pushworker_in_flight"
    /// Time one claim statement takes (a timer, exported as a histogram in seconds).
    public static let claimDuration = "pushworker_claim_seconds"
    /// Time one outcome-writing statement takes (a timer, exported as a histogram in seconds).
    public static let outcomeWriteDuration = "pushworker_outcome_write_seconds"
    /// Gateway connections established right now (a gauge).
    public static let connections = "pushworker_connections"
    /// Jobs claimed from the queue.
    public static let jobsClaimed = "pushworker_jobs_claimed_total"
    /// Feedback tuples the feedback job handled; labelled with ``Label/app`` and ``Label/action``.
    public static let feedbackTuples = "pushworker_feedback_tuples_total"

    /// Label keys.
    public enum Label {
        /// The APNs status code as a decimal number: `"8"`.
        public static let status = "status"
        /// The name of the APNs status: `"invalid token"`.
        public static let reason = "reason"
        /// The app's name (`push.app.name`).
        public static let app = "app"
        /// What the feedback job did with a tuple: `disabled`, `kept`, `unknown`, `already_disabled`,
        /// `repeated`.
        public static let action = "action"
    }

    /// Histogram buckets of the two statement timers: 0.5 ms to 10 s.
    public static let statementBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
        .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .seconds(2), .seconds(5), .seconds(10),
    ]

    /// A Prometheus factory over `registry` with pushworker's histogram buckets. Tests use one
    /// directly (`Counter(label:dimensions:factory:)`); a process installs one globally with
    /// ``PrometheusBootstrap``.
    public static func makeFactory(registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets = [
            claimDuration: statementBuckets,
            outcomeWriteDuration: statementBuckets,
        ]
        return factory
    }
}
