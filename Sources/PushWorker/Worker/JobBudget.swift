import NIOConcurrencyHelpers

/// Counts the jobs a worker holds — claimed and neither recorded by the writer nor handed back —
/// against its limit, and nudges the claim loop when room frees up or something else wants it to
/// look again. A worker killed at any moment therefore leaves at most `limit` jobs whose tokens
/// may be sent again by whoever claims them after the lease lapses.
final class JobBudget: Sendable {
    let limit: Int
    private let held = NIOLockedValueBox(0)
    /// Coalescing: a loop that was busy sees one nudge, not a backlog.
    let nudges: AsyncStream<Void>
    private let nudgeContinuation: AsyncStream<Void>.Continuation

    init(limit: Int) {
        precondition(limit > 0)
        self.limit = limit
        (nudges, nudgeContinuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Jobs that may be claimed now.
    var room: Int { held.withLockedValue { max(0, limit - $0) } }

    var heldCount: Int { held.withLockedValue { $0 } }

    func take(_ count: Int) {
        held.withLockedValue { $0 += count }
    }

    func give(_ count: Int) {
        guard count > 0 else { return }
        held.withLockedValue { $0 -= count }
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
