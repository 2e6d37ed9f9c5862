import JobQueue

/// The apps a worker leaves alone for a while because their gateway cannot be reached, as a pure
/// value: events with the time in, decisions out, no I/O. ``SenderRegistry`` keeps one behind its
/// lock.
///
/// While an app is paused its claimed notifications come back `released` (no attempt counted)
/// and the claim loop excludes the app, so no token fails merely because the gateway was down;
/// the app's pool keeps reconnecting with its own back-off. A pause lasts `initial` at first and
/// doubles, up to `maximum`, each time the gateway is still unreachable after one ends. The app
/// resumes for good when its gateway answers (accepts or rejects a notification).
struct GatewayPauses: Sendable {
    typealias Instant = ContinuousClock.Instant

    enum Change: Sendable, Equatable {
        /// Nothing new: not paused, or already paused.
        case none
        /// The app pauses for `duration`; `first` when its gateway had been answering until now.
        case paused(for: Duration, first: Bool)
        /// The gateway answered again, `after` the first pause began.
        case resumed(after: Duration)
    }

    private struct Entry: Sendable {
        var until: Instant
        var pausesInARow: Int
        var since: Instant
    }

    let initial: Duration
    let maximum: Duration
    private var entries: [AppID: Entry] = [:]

    init(initial: Duration, maximum: Duration) {
        precondition(initial > .zero && maximum >= initial)
        self.initial = initial
        self.maximum = maximum
    }

    /// The app's pool reported its gateway unreachable at `now`. Reports during a pause (the rest
    /// of the notifications the pool hands back) change nothing.
    mutating func unreachable(_ app: AppID, now: Instant) -> Change {
        var entry = entries[app] ?? Entry(until: now, pausesInARow: 0, since: now)
        guard entry.pausesInARow == 0 || entry.until <= now else { return .none }
        entry.pausesInARow += 1
        let pause = length(ofPause: entry.pausesInARow)
        entry.until = now + pause
        entries[app] = entry
        return .paused(for: pause, first: entry.pausesInARow == 1)
    }

    /// The app's gateway accepted or rejected a notification at `now`.
    mutating func answered(_ app: AppID, now: Instant) -> Change {
        guard let entry = entries.removeValue(forKey: app) else { return .none }
        return .resumed(after: entry.since.duration(to: now))
    }

    /// Apps paused at `now`.
    func paused(at now: Instant) -> Set<AppID> {
        Set(entries.lazy.filter { $0.value.until > now }.map(\.key))
    }

    private func length(ofPause number: Int) -> Duration {
        var pause = initial
        for _ in 1..<max(number, 1) {
            pause *= 2
            if pause >= maximum { return maximum }
        }
        return min(pause, maximum)
    }
}
