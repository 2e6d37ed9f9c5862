import JobQueue
import Logging
import NIOConcurrencyHelpers

/// The worker's claim loop: claims while the job budget has room, routes each job to its app's
/// sender, and sleeps on wake-ups (NOTIFY, the poll timer, a job finishing) when there is no
/// room or no work. Survives database outages with growing pauses.
///
/// Every database call it makes runs under ``DatabaseCallDeadline``: a call that never answers
/// (a connection cut mid-call) is abandoned rather than awaited forever, a claim answering late
/// hands its jobs back, and ``stop()`` ends the loop at once even while a call is stuck. Each
/// round and each wait is reported to ``WorkerHealth``, which calls a loop that stops completing
/// rounds stalled.
final class ClaimLoop: Sendable {
    private let queue: JobQueue
    private let settings: WorkerSettings
    private let senders: SenderRegistry
    private let budget: JobBudget
    private let instruments: WorkerInstruments
    private let health: WorkerHealth
    private let logger: Logger
    private let deadline: DatabaseCallDeadline
    private let stopped = NIOLockedValueBox(false)

    init(queue: JobQueue, settings: WorkerSettings, senders: SenderRegistry, budget: JobBudget,
         instruments: WorkerInstruments, health: WorkerHealth, deadline: DatabaseCallDeadline, logger: Logger) {
        self.queue = queue
        self.settings = settings
        self.senders = senders
        self.budget = budget
        self.instruments = instruments
        self.health = health
        self.deadline = deadline
        self.logger = logger
    }

    /// Whether ``stop()`` ended the loop (rather than an idle queue).
    var isStopped: Bool { stopped.withLockedValue { $0 } }

    /// Ends the loop after its current step, abandoning any database call it waits for; jobs
    /// claimed from then on are handed back unsent.
    func stop() {
        stopped.withLockedValue { $0 = true }
        deadline.abandonAll()
        budget.nudge()
    }

    func run() async {
        let wakeUps = WakeUpSource(client: queue.client, logger: logger)
        let budget = self.budget
        do {
            try await wakeUps.withWakeUps { wakeUps in
                await withTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for await _ in wakeUps { budget.nudge() }
                    }
                    await claimUntilDone()
                    group.cancelAll()
                }
            }
        } catch {
            logger.error("claim loop ended", metadata: ["error": "\(error)"])
        }
    }

    private func claimUntilDone() async {
        var nudges = budget.nudges.makeAsyncIterator()
        var backoff = settings.claimBackoff
        var othersIdleUntil = ContinuousClock.now
        health.claimLoopCompletedRound()  // the loop starts: from now on a long busy spell is a stall
        while !isStopped {
            instruments.inFlightJobs.record(budget.heldCount)
            instruments.inFlightNotifications.record(senders.outstandingNotifications)
            let room = budget.room
            guard room > 0 else {
                health.claimLoopWaiting()
                _ = await nudges.next()
                health.claimLoopCompletedRound()
                continue
            }
            let blocked = senders.blockedApps()
            health.update(heldJobs: budget.heldCount, blockedApps: blocked.count)
            let jobs: [ClaimedJob]
            do {
                let started = ContinuousClock.now
                jobs = try await claimFairly(limit: min(settings.claimBatch, room), blocked: blocked, others: &othersIdleUntil)
                instruments.claimed(after: ContinuousClock.now - started)
                health.databaseAnswered()
                backoff = settings.claimBackoff
            } catch {
                guard !isStopped else { return }
                logger.warning("claim failed; trying again", metadata: [
                    "error": "\(PostgresErrorText.message(of: error))", "pause": "\(backoff)",
                ])
                await deadline.pause(for: backoff)
                backoff = min(backoff * 2, settings.maximumClaimBackoff)
                continue
            }
            if jobs.isEmpty {
                if settings.exitWhenIdle, budget.heldCount == 0, await !hasPendingWork(excluding: senders.stoppedApps()) {
                    return
                }
                health.claimLoopWaiting()
                _ = await nudges.next()
                health.claimLoopCompletedRound()
                continue
            }
            budget.take(jobs)
            instruments.claimed(jobs: jobs.count)
            await dispatch(jobs)
            health.claimLoopCompletedRound()
        }
    }

    /// One claim under the deadline. Jobs a claim returns after it was abandoned are handed back
    /// at once: nobody sends them, and the housekeeping would keep their leases alive.
    private func claim(limit: Int, excludingApps blocked: Set<AppID>) async throws -> [ClaimedJob] {
        let queue = self.queue
        let logger = self.logger
        return try await deadline.run("claim") {
            try await queue.claim(limit: limit, excludingApps: blocked)
        } lateResult: { late in
            guard case .success(let jobs) = late, !jobs.isEmpty else { return }
            do {
                let released = try await queue.release(jobs.map(\.id))
                logger.warning("an abandoned claim answered late; handed its jobs back", metadata: ["jobs": "\(released)"])
            } catch {
                logger.warning("an abandoned claim answered late and its jobs could not be handed back; they stay leased until this worker stops",
                               metadata: ["jobs": "\(jobs.count)", "error": "\(PostgresErrorText.message(of: error))"])
            }
        }
    }

    private func dispatch(_ jobs: [ClaimedJob]) async {
        var handBack: [ClaimedJob] = []
        for job in jobs {
            if !isStopped, let sender = await senders.sender(for: job.appID, within: deadline) {
                await sender.send(job, within: deadline)
            } else {
                handBack.append(job)
            }
        }
        guard !handBack.isEmpty else { return }
        let queue = self.queue
        let ids = handBack.map(\.id)
        do {
            _ = try await deadline.run("release") { try await queue.release(ids) }
        } catch {
            logger.warning("could not hand jobs back; they stay leased until this worker stops",
                           metadata: ["jobs": "\(handBack.count)", "error": "\(PostgresErrorText.message(of: error))"])
        }
        budget.give(handBack)
    }

    /// Claims for the apps below their share of the budget first (``JobBudget/appShare``). Only
    /// when none of them has a due job does an app at its share get more — and then the others
    /// are asked again at most every ``recheckOthers``, so that an app alone with work uses the
    /// whole budget without a second claim each time.
    private func claimFairly(limit: Int, blocked: Set<AppID>, others idleUntil: inout ContinuousClock.Instant) async throws -> [ClaimedJob] {
        let crowded = budget.appsAtShare.subtracting(blocked)
        if !crowded.isEmpty, ContinuousClock.now >= idleUntil {
            let jobs = try await claim(limit: limit, excludingApps: blocked.union(crowded))
            if !jobs.isEmpty { return jobs }
            idleUntil = .now + Self.recheckOthers
        }
        return try await claim(limit: limit, excludingApps: blocked)
    }

    /// How long the claim loop trusts that only the apps at their share have work.
    static let recheckOthers: Duration = .seconds(1)

    private func hasPendingWork(excluding blocked: Set<AppID>) async -> Bool {
        let queue = self.queue
        do {
            return try await deadline.run("pending work check") { try await queue.hasPendingWork(excludingApps: blocked) }
        } catch {
            return true
        }
    }
}
