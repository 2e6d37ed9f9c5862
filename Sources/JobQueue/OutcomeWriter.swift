import Logging
import Metrics
import ServiceLifecycle

/// Collects finished job reports from senders and writes them with ``JobQueue/complete(_:)`` in
/// batches: when `flushThreshold` jobs are pending, or every `flushInterval`, whichever comes first.
///
/// A failed write keeps its batch and is retried after `retryDelay`; nothing is dropped. Senders
/// that get ahead of the database wait in ``submit(_:)`` once `highWaterMark` jobs are pending.
/// On graceful shutdown the writer flushes what is pending (retrying until it succeeds or the
/// task is cancelled), then returns. Run it as a `Service`, after the client and before senders.
///
/// ``observeRecorded(_:)`` tells the owner of the jobs when they are written, so a worker can keep
/// counting a job as held until its outcomes are in the database (the duplicates a crash can
/// cause are bounded by what is held).
public actor OutcomeWriter: Service {
    public struct Configuration: Sendable {
        public var flushInterval: Duration = .milliseconds(100)
        public var flushThreshold = 16
        public var highWaterMark = 256
        public var retryDelay: Duration = .milliseconds(500)

        public init() {}
    }

    public nonisolated let queue: JobQueue
    public nonisolated let configuration: Configuration
    private var pending: [JobReport] = []
    private var isWriting = false
    private var isStopping = false
    private var waitingForRoom: [CheckedContinuation<Void, Never>] = []
    private var waitingForWrite: [CheckedContinuation<Void, Never>] = []
    private var recordedObserver: @Sendable ([ClaimedJob]) -> Void = { _ in }
    private let wakeUps: AsyncStream<Void>
    private let wakeUpContinuation: AsyncStream<Void>.Continuation
    private let writeDuration = Metrics.Timer(label: "pushworker_outcome_write_seconds", preferredDisplayUnit: .seconds)
    private let jobsWritten = Counter(label: "pushworker_jobs_recorded_total")
    /// Totals since start, for metrics and tests.
    public private(set) var written = CompletionResult()

    public init(queue: JobQueue, configuration: Configuration = .init()) {
        self.queue = queue
        self.configuration = configuration
        (wakeUps, wakeUpContinuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Calls `observer` with the jobs of each successful write (from the writer's task; keep it
    /// short and non-blocking). Replaces an earlier observer.
    public func observeRecorded(_ observer: @escaping @Sendable (_ jobs: [ClaimedJob]) -> Void) {
        recordedObserver = observer
    }

    /// Hands over one finished job; waits while the writer is `highWaterMark` jobs behind. Once the
    /// writer is shutting down, the report is written at once instead (and an error is thrown if
    /// that fails), so a late report is never left behind.
    public func submit(_ report: JobReport) async throws {
        while pending.count >= configuration.highWaterMark, !isStopping {
            await withCheckedContinuation { waitingForRoom.append($0) }
        }
        if isStopping {
            written.merge(try await queue.complete([report]))
            recordedObserver([report.job])
            return
        }
        pending.append(report)
        if pending.count >= configuration.flushThreshold {
            wakeUpContinuation.yield()
        }
    }

    /// Writes everything handed over so far, now, retrying failed writes until they succeed or
    /// the task is cancelled. For a sender that must know its reports are recorded before it
    /// hands the rest of its jobs back.
    public func flush() async throws {
        while !pending.isEmpty || isWriting {
            try Task.checkCancellation()
            if isWriting {
                await withCheckedContinuation { waitingForWrite.append($0) }
            } else if await !flushPendingOnce() {
                try await Task.sleep(for: configuration.retryDelay)
            }
        }
    }

    /// Jobs handed over and not yet written.
    public var pendingCount: Int { pending.count }

    /// Senders waiting in ``submit(_:)`` for room.
    public var waitingSubmitters: Int { waitingForRoom.count }

    public func run() async throws {
        let interval = configuration.flushInterval
        let continuation = wakeUpContinuation
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    while (try? await Task.sleep(for: interval)) != nil {
                        continuation.yield()
                    }
                }
                for await _ in wakeUps {
                    await flushPendingOnce()
                }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            continuation.finish()
        }
        isStopping = true
        resumeWaitingSubmitters()
        try await flushAll()
    }

    private func resumeWaitingSubmitters() {
        let waiters = waitingForRoom
        waitingForRoom.removeAll()
        for waiter in waiters { waiter.resume() }
    }

    /// Writes everything pending, retrying failed writes until they succeed (at shutdown).
    private func flushAll() async throws {
        try await flush()
    }

    /// One write of everything pending; false when it failed (the batch stays pending). Only one
    /// write runs at a time: reports submitted meanwhile wait for the next one.
    @discardableResult
    private func flushPendingOnce() async -> Bool {
        guard !pending.isEmpty, !isWriting else { return true }
        isWriting = true
        defer {
            isWriting = false
            let waiters = waitingForWrite
            waitingForWrite.removeAll()
            for waiter in waiters { waiter.resume() }
        }
        let batch = pending
        do {
            let started = ContinuousClock.now
            let result = try await queue.complete(batch)
            let (seconds, attoseconds) = (ContinuousClock.now - started).components
            writeDuration.recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
            jobsWritten.increment(by: batch.count)
            pending.removeFirst(batch.count)
            written.merge(result)
            recordedObserver(batch.map(\.job))
            resumeWaitingSubmitters()
            return true
        } catch {
            queue.logger.warning("writing outcomes failed; keeping them and retrying",
                                 metadata: ["jobs": "\(batch.count)", "error": "\(PostgresErrorText.message(of: error))"])
            return false
        }
    }
}
