import JobQueue
import NIOConcurrencyHelpers

/// Counts the jobs a worker holds — claimed and neither recorded by the writer nor handed back —
/// against its limit, in all and per app, and nudges the claim loop when room frees up or
/// something else wants it to look again. A worker killed at any moment therefore leaves at most
/// `limit` jobs whose tokens may be sent again by whoever claims them after the lease lapses.
///
/// Per app it knows which apps hold their *share* — half the limit — or more: the claim loop
/// serves the other apps first, so that one app whose jobs do not finish (a gateway that stopped
/// reading, a campaign of rejected tokens that cost a connection each) cannot take the whole
/// budget while other apps wait.
final class JobBudget: Sendable {
    private struct Held {
        var total = 0
        var byApp: [AppID: Int] = [:]
        var ids: Set<JobID> = []

        mutating func remove(_ job: ClaimedJob) {
            guard ids.remove(job.id) != nil else { return }
            total -= 1
            let left = (byApp[job.appID] ?? 0) - 1
            byApp[job.appID] = left > 0 ? left : nil
        }
    }

    let limit: Int
    /// Jobs one app may hold before the other apps are served first.
    let appShare: Int
    private let held = NIOLockedValueBox(Held())
    /// Coalescing: a loop that was busy sees one nudge, not a backlog.
    let nudges: AsyncStream<Void>
    private let nudgeContinuation: AsyncStream<Void>.Continuation

    init(limit: Int) {
        precondition(limit > 0)
        self.limit = limit
        self.appShare = max(1, limit / 2)
        (nudges, nudgeContinuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Jobs that may be claimed now.
    var room: Int { held.withLockedValue { max(0, limit - $0.total) } }

    var heldCount: Int { held.withLockedValue { $0.total } }

    /// The jobs held now: the only ones whose leases the worker extends (``QueueHousekeeper``).
    var heldJobs: [JobID] { held.withLockedValue { Array($0.ids) } }

    /// Apps holding ``appShare`` jobs or more.
    var appsAtShare: Set<AppID> {
        held.withLockedValue { held in Set(held.byApp.lazy.filter { $0.value >= self.appShare }.map(\.key)) }
    }

    /// Jobs `app` holds now.
    func heldCount(of app: AppID) -> Int {
        held.withLockedValue { $0.byApp[app] ?? 0 }
    }

    /// Counts claimed jobs in.
    func take(_ jobs: [ClaimedJob]) {
        held.withLockedValue { held in
            for job in jobs where held.ids.insert(job.id).inserted {
                held.total += 1
                held.byApp[job.appID, default: 0] += 1
            }
        }
    }

    /// `jobs` are done with: recorded by the writer, handed back to the queue, or dropped by
    /// their sender (the writer refused them; their leases lapse).
    func give(_ jobs: [ClaimedJob]) {
        guard !jobs.isEmpty else { return }
        held.withLockedValue { held in
            for job in jobs { held.remove(job) }
        }
        nudge()
    }

    /// Wakes the claim loop.
    func nudge() {
        nudgeContinuation.yield()
    }

    func finish() {
        nudgeContinuation.finish()
    }
}
