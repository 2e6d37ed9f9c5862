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

        mutating func remove(_ count: Int, of app: AppID) {
            total -= count
            let left = (byApp[app] ?? 0) - count
            byApp[app] = left > 0 ? left : nil
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
            held.total += jobs.count
            for job in jobs { held.byApp[job.appID, default: 0] += 1 }
        }
    }

    /// `count` jobs of `app` are done with (dropped by its sender).
    func give(_ count: Int, of app: AppID) {
        guard count > 0 else { return }
        held.withLockedValue { $0.remove(count, of: app) }
        nudge()
    }

    /// `jobs` are done with: recorded by the writer, or handed back to the queue.
    func give(_ jobs: [ClaimedJob]) {
        guard !jobs.isEmpty else { return }
        held.withLockedValue { held in
            for job in jobs { held.remove(1, of: job.appID) }
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
