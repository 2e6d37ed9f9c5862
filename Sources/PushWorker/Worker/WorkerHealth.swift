import NIOConcurrencyHelpers

/// What `/health` says about a worker: healthy while its database answered recently, its claim
/// loop keeps completing rounds, and it is not shutting down. Apps stopped for their credentials are reported but do not make the worker
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
        /// When the claim loop last completed a round or started a legitimate wait (budget full,
        /// no work); `nil` while it waits, or before it started.
        var claimLoopBusySince: ContinuousClock.Instant?
        var claimLoopRounds = 0
    }

    /// A database silent for this long makes the worker unhealthy.
    public let databaseSilenceLimit: Duration
    /// A claim loop busy this long without completing a round makes the worker unhealthy: it
    /// holds its leases but sends nothing, and only a restart helps. Longer than two database
    /// call deadlines (``WorkerSettings/claimLoopQueryTimeout``), so one abandoned call does not
    /// count, two in a row do.
    public let claimLoopStallLimit: Duration
    private let state = NIOLockedValueBox(State())

    public init(databaseSilenceLimit: Duration = .seconds(30), claimLoopStallLimit: Duration = .seconds(75)) {
        self.databaseSilenceLimit = databaseSilenceLimit
        self.claimLoopStallLimit = claimLoopStallLimit
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

    /// The claim loop completed a round (it claimed and dispatched, or found nothing) and starts
    /// the next one.
    func claimLoopCompletedRound(at instant: ContinuousClock.Instant = .now) {
        state.withLockedValue {
            $0.claimLoopBusySince = instant
            $0.claimLoopRounds += 1
        }
    }

    /// The claim loop waits for a nudge (no room in the budget, or no work): not a stall.
    func claimLoopWaiting() {
        state.withLockedValue { $0.claimLoopBusySince = nil }
    }

    /// How long the claim loop has been busy without completing a round; `nil` while it waits.
    func claimLoopBusy(at now: ContinuousClock.Instant = .now) -> Duration? {
        state.withLockedValue { $0.claimLoopBusySince }.map { now - $0 }
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
        details["claim_rounds"] = "\(state.claimLoopRounds)"
        if let since = state.claimLoopBusySince, now - since > claimLoopStallLimit {
            return Status(isHealthy: false, reason: "claim loop stalled for \((now - since).components.seconds) s",
                          details: details)
        }
        return Status(isHealthy: true, details: details)
    }
}
