import NIOConcurrencyHelpers

/// What `/health` says about a worker: healthy while its database answered recently and it is
/// not shutting down. Apps stopped for their credentials are reported but do not make the worker
/// unhealthy (restarting it would not fix a certificate).
public final class WorkerHealth: Sendable {
    public struct Status: Sendable, Equatable {
        public var isHealthy: Bool
        /// Why not, when not healthy.
        public var reason: String?
        public var details: [String: String]
    }

    private struct State: Sendable {
        var lastDatabaseAnswer: ContinuousClock.Instant?
        var draining = false
        var heldJobs = 0
        var blockedApps = 0
    }

    /// A database silent for this long makes the worker unhealthy.
    public let databaseSilenceLimit: Duration
    private let state = NIOLockedValueBox(State())

    public init(databaseSilenceLimit: Duration = .seconds(30)) {
        self.databaseSilenceLimit = databaseSilenceLimit
    }

    public func databaseAnswered(at instant: ContinuousClock.Instant = .now) {
        state.withLockedValue { $0.lastDatabaseAnswer = instant }
    }

    func update(heldJobs: Int, blockedApps: Int) {
        state.withLockedValue {
            $0.heldJobs = heldJobs
            $0.blockedApps = blockedApps
        }
    }

    /// How long since the database last answered; `nil` before it ever did.
    public func silence(at now: ContinuousClock.Instant = .now) -> Duration? {
        state.withLockedValue { $0.lastDatabaseAnswer }.map { now - $0 }
    }

    func startedDraining() {
        state.withLockedValue { $0.draining = true }
    }

    public func status(at now: ContinuousClock.Instant = .now) -> Status {
        let state = state.withLockedValue { $0 }
        var details = ["jobs_held": "\(state.heldJobs)", "apps_stopped": "\(state.blockedApps)"]
        guard !state.draining else {
            return Status(isHealthy: false, reason: "draining for shutdown", details: details)
        }
        guard let last = state.lastDatabaseAnswer else {
            return Status(isHealthy: false, reason: "the database has not answered yet", details: details)
        }
        let silence = now - last
        details["database_silent_s"] = "\(silence.components.seconds)"
        guard silence <= databaseSilenceLimit else {
            return Status(isHealthy: false, reason: "the database has not answered for \(silence.components.seconds) s",
                          details: details)
        }
        return Status(isHealthy: true, details: details)
    }
}
