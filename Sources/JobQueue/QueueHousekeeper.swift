import Logging
import ServiceLifecycle

/// The periodic chores of one worker process, as a `Service`: every `interval` it records a
/// heartbeat, extends the leases of the jobs this worker holds, rescues jobs whose lease lapsed
/// (any worker's) and sweeps waiting jobs of expired or cancelled campaigns.
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
    }

    public let queue: JobQueue
    public let configuration: Configuration

    public init(queue: JobQueue, configuration: Configuration) {
        self.queue = queue
        self.configuration = configuration
    }

    public func run() async throws {
        let queue = self.queue
        let configuration = self.configuration
        do {
            try await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    do {
                        _ = try await Self.round(queue: queue, configuration: configuration)
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

    /// Runs one round now.
    public func runOnce() async throws -> Round {
        try await Self.round(queue: queue, configuration: configuration)
    }

    private static func round(queue: JobQueue, configuration: Configuration) async throws -> Round {
        try await queue.heartbeat(host: configuration.host, pid: configuration.pid, version: configuration.version)
        var round = Round()
        round.leasesExtended = try await queue.extendLeases()
        round.rescue = try await queue.rescueLapsedLeases(limit: configuration.batchLimit)
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
