import JobQueue
import Logging
import NIOCore
import ServiceLifecycle

/// One worker: claims jobs in batches, sends them through one gateway pool per app, and hands
/// every job's outcomes to the ``OutcomeWriter``. Run it as a `Service` in a group after the
/// PostgreSQL client, the writer and the ``QueueHousekeeper`` (which keeps the leases alive), so
/// that on shutdown it stops first and they outlive its drain.
///
/// On graceful shutdown it stops claiming, hands back jobs claimed but not yet sent, lets each
/// pool send what it holds and prove it with the probe (up to `drainTimeout`), waits until the
/// writer has recorded every finished job, and then hands back anything it still holds.
public struct Worker: Service {
    public let queue: JobQueue
    public let writer: OutcomeWriter
    public let settings: WorkerSettings
    public let eventLoops: any EventLoopGroup
    /// What `/health` reports; the worker keeps it current.
    public let health: WorkerHealth
    public let logger: Logger
    private let budget: JobBudget

    public init(queue: JobQueue, writer: OutcomeWriter, settings: WorkerSettings,
                eventLoops: any EventLoopGroup, health: WorkerHealth = WorkerHealth(), logger: Logger) {
        self.queue = queue
        self.writer = writer
        self.settings = settings
        self.eventLoops = eventLoops
        self.health = health
        self.logger = logger
        self.budget = JobBudget(limit: settings.maxJobs)
    }

    /// The jobs this worker holds now: give it to the ``QueueHousekeeper`` so that it extends
    /// these leases and no other lease under the worker's id.
    public var heldJobs: @Sendable () -> [JobID] {
        let budget = self.budget
        return { budget.heldJobs }
    }

    public func run() async throws {
        try await queue.checkSchema()
        let inherited = try await queue.rescueEarlierRun()
        if inherited.rescuedJobs + inherited.failedJobs > 0 {
            logger.warning("handed back the jobs an earlier run under this worker id held; it may have sent some of them", metadata: [
                "jobs": "\(inherited.rescuedJobs)", "failed_jobs": "\(inherited.failedJobs)",
            ])
        }
        let instruments = WorkerInstruments()
        let budget = self.budget
        await writer.observeRecorded { budget.give($0) }
        let senders = SenderRegistry(queue: queue, writer: writer, settings: settings, eventLoops: eventLoops,
                                     instruments: instruments, budget: budget, logger: logger)
        let deadline = DatabaseCallDeadline(limit: settings.claimLoopQueryTimeout, logger: logger)
        let loop = ClaimLoop(queue: queue, settings: settings, senders: senders, budget: budget,
                             instruments: instruments, health: health, deadline: deadline, logger: logger)
        logger.info("worker started", metadata: [
            "worker": "\(queue.worker)", "max_jobs": "\(settings.maxJobs)", "claim_batch": "\(settings.claimBatch)",
        ])
        let exporter = PoolStatisticsExporter(senders: senders, interval: settings.statisticsInterval, logger: logger)
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await exporter.run() }
                await loop.run()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            loop.stop()
        }
        health.startedDraining()
        let reason = loop.isStopped ? "shutdown" : "queue idle"
        logger.info("worker draining", metadata: ["reason": "\(reason)", "jobs": "\(budget.heldCount)"])
        let released = await senders.drainAll(timeout: settings.drainTimeout)
        if released > 0 {
            logger.warning("handed back notifications the gateway may already have taken; they can be sent twice",
                           metadata: ["notifications": "\(released)"])
        }
        try await writer.flush()
        let handedBack = try await releaseAll()
        budget.finish()
        logger.info("worker stopped", metadata: ["jobs_handed_back": "\(handedBack.map(String.init) ?? "unknown")"])
    }

    /// Hands back every job still held, waiting at most ``WorkerSettings/claimLoopQueryTimeout``
    /// (the database may be the reason for the shutdown); `nil` when it did not answer in time —
    /// the leases then lapse once this process's housekeeping stops, and another worker rescues them.
    private func releaseAll() async throws -> Int? {
        let queue = self.queue
        do {
            return try await awaitAbandonable("release all", deadline: settings.claimLoopQueryTimeout) {
                try await queue.releaseAll()
            }
        } catch let exceeded as CallDeadlineExceeded {
            logger.warning("could not hand back the jobs still held; their leases lapse once this worker has stopped",
                           metadata: ["error": "\(exceeded)"])
            return nil
        }
    }
}
