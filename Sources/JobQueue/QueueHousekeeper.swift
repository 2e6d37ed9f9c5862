import Logging
import ServiceLifecycle

/// The periodic chores of one worker process, as a `Service`: every `interval` it records a
/// heartbeat, extends the leases of the jobs this worker holds, rescues jobs whose lease lapsed
/// (any worker's) and sweeps waiting jobs of expired or cancelled campaigns.
///
/// After the database did not answer for more than two rounds (a restart, an outage), rescues
/// wait `rescueHoldAfterOutage` plus half the absence, so that live workers reconnect and extend
/// their lapsed leases first (``RescueGate``).
///
/// A failed round is logged and retried next round; it never stops the worker. Keep `interval`
/// well below the queue's lease duration (a third or less), or leases lapse while sending.
/// On graceful shutdown it stops and marks the worker stopped.
public struct QueueHousekeeper: Service {
    public struct Configuration: Sendable {
        public var interval: Duration = .seconds(5)
        public var host: String
        public var pid: Int32
        public var version: String
        /// Most jobs one rescue or sweep statement handles; the rest wait for the next round.
        public var batchLimit = 1000
        /// How long rescues wait (plus half the absence) once the database answers again after it
        /// was away for more than two rounds; at least two of the longest housekeeping interval
        /// of any worker (5 s for `pushworker run`), so that every live worker has extended its
        /// leases by then. Zero turns the hold off.
        public var rescueHoldAfterOutage: Duration = .seconds(12)

        public init(host: String, pid: Int32, version: String) {
            self.host = host
            self.pid = pid
            self.version = version
        }
    }

    /// What one round did.
    public struct Round: Sendable, Equatable {
        public var leasesExtended = 0
        public var rescue = RescueResult(rescuedJobs: 0, failedJobs: 0, failedTokens: 0)
        public var sweep = SweepResult(jobs: 0, tokens: 0)
        /// Whether the rescue was held back because the database had been away.
        public var rescueHeld = false
    }

    public let queue: JobQueue
    public let configuration: Configuration
    /// The jobs whose leases to extend (the worker's held jobs); `nil`: every job leased under
    /// the worker's id.
    public let heldJobs: (@Sendable () -> [JobID])?

    /// - Parameter heldJobs: the jobs the worker knows it holds. Give it: a claim that committed
    ///   while its answer was lost (a database outage at that moment) leaves jobs leased under the
    ///   worker's id that it never sends; extending every lease under the id would keep them from
    ///   being rescued for as long as the worker lives.
    public init(queue: JobQueue, configuration: Configuration, heldJobs: (@Sendable () -> [JobID])? = nil) {
        self.queue = queue
        self.configuration = configuration
        self.heldJobs = heldJobs
    }

    public func run() async throws {
        let queue = self.queue
        let configuration = self.configuration
        do {
            try await cancelWhenGracefulShutdown {
                var gate = RescueGate(interval: configuration.interval, hold: configuration.rescueHoldAfterOutage)
                while !Task.isCancelled {
                    do {
                        _ = try await Self.round(queue: queue, configuration: configuration, heldJobs: heldJobs, gate: &gate)
                    } catch {
                        queue.logger.warning("queue housekeeping failed; retrying next round",
                                             metadata: ["error": "\(PostgresErrorText.message(of: error))"])
                    }
                    try await Task.sleep(for: configuration.interval)
                }
            }
        } catch is CancellationError {
            // Shutdown ends the pause between rounds; that is the normal way out.
        }
        try? await queue.markStopped()
    }

    /// Runs one round now (rescues are never held).
    public func runOnce() async throws -> Round {
        var gate = RescueGate(interval: configuration.interval, hold: .zero)
        return try await Self.round(queue: queue, configuration: configuration, heldJobs: heldJobs, gate: &gate)
    }

    private static func round(
        queue: JobQueue, configuration: Configuration, heldJobs: (@Sendable () -> [JobID])?, gate: inout RescueGate
    ) async throws -> Round {
        try await queue.heartbeat(host: configuration.host, pid: configuration.pid, version: configuration.version)
        var round = Round()
        if let heldJobs {
            round.leasesExtended = try await queue.extendLeases(of: heldJobs())
        } else {
            round.leasesExtended = try await queue.extendLeases()
        }
        switch gate.databaseAnswered(at: .now) {
        case .rescue:
            round.rescue = try await queue.rescueLapsedLeases(limit: configuration.batchLimit)
        case .hold(let starting):
            round.rescueHeld = true
            if let starting {
                queue.logger.warning("the database was away; holding rescues of lapsed leases so that live workers extend theirs first",
                                     metadata: ["hold": "\(starting)"])
            }
        }
        round.sweep = try await queue.sweep(limit: configuration.batchLimit)
        if round.rescue != Round().rescue || round.sweep != Round().sweep {
            queue.logger.info("queue housekeeping", metadata: [
                "rescued": "\(round.rescue.rescuedJobs)", "failed": "\(round.rescue.failedJobs)",
                "swept_jobs": "\(round.sweep.jobs)", "swept_tokens": "\(round.sweep.tokens)",
            ])
        }
        return round
    }
}
