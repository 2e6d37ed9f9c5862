import Metrics
import Prometheus

/// The names and labels of every metric pushworker exports, in one place. The worker and the
/// feedback job record through swift-metrics (`Counter`, `Gauge`, `Timer`) with these names; the
/// Prometheus factory turns them into the series that `/metrics` shows.
public enum WorkerMetrics {
    /// Notifications handed to a gateway pool, once each (resends are ``resent``).
    public static let notificationsSent = "pushworker_notifications_sent_total"
    /// Notifications the gateway is proven to have accepted.
    public static let notificationsAccepted = "pushworker_notifications_accepted_total"
    /// Notifications the gateway refused; labelled with ``Label/status`` and ``Label/reason``,
    /// e.g. `{status="8",reason="invalid_token"}`. Retried statuses (1, 255) count here too.
    public static let notificationsRejected = "pushworker_notifications_rejected_total"
    /// Tokens handed back to the queue for another attempt.
    public static let retries = "pushworker_retries_total"
    /// Tokens handed back unsent (shutdown, an app stopped for its credentials).
    public static let released = "pushworker_notifications_released_total"
    /// Notifications handed to pools and not yet settled (a gauge).
    public static let inFlight = "pushworker_in_flight"
    /// Jobs claimed and not yet recorded (a gauge).
    public static let inFlightJobs = "pushworker_in_flight_jobs"
    /// Time one claim statement takes (a timer, exported as a histogram in seconds).
    public static let claimDuration = "pushworker_claim_seconds"
    /// Time one outcome-writing statement takes (a timer, exported as a histogram in seconds).
    /// JobQueue's `OutcomeWriter` records it under this literal name.
    public static let outcomeWriteDuration = "pushworker_outcome_write_seconds"
    /// Jobs whose outcomes were written (JobQueue's `OutcomeWriter`, literal name).
    public static let jobsRecorded = "pushworker_jobs_recorded_total"
    /// Gateway connections whose TLS handshake completed; labelled with ``Label/app``.
    public static let connectionsEstablished = "pushworker_connections_established_total"
    /// Connect attempts or connections that ended without protocol evidence; ``Label/app``.
    public static let connectionFailures = "pushworker_connection_failures_total"
    /// Known-bad probes the gateway answered (each proved a connection's notifications); ``Label/app``.
    public static let probesAnswered = "pushworker_probes_answered_total"
    /// Notifications handed to another connection; ``Label/app`` and ``Label/after``
    /// (`rejection`, `shutdown` — for HTTP/2: refused or above a GOAWAY, not processed —,
    /// `token_renewal` (HTTP/2, after `ExpiredProviderToken`), `unproven` — the last may be
    /// duplicates).
    public static let resent = "pushworker_resent_total"
    /// GOAWAY frames an HTTP/2 gateway sent; labelled with ``Label/app``.
    public static let goAways = "pushworker_goaways_total"
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
        /// Why a notification was resent: `rejection`, `shutdown`, `unproven`.
        public static let after = "after"
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
