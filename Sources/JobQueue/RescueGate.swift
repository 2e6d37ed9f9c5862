/// Whether a housekeeping round may rescue lapsed leases now, as a pure value (times in,
/// decisions out) that ``QueueHousekeeper`` keeps between rounds.
///
/// After the database was away — from every worker at once, as in a restart or an outage — each
/// worker's leases may have lapsed while it could not extend them, though it is alive and still
/// sending. Whichever worker's housekeeping reached the database first would rescue the others'
/// live jobs, and the next claimer would send every token of them again. So when the database
/// did not answer this worker for longer than two rounds, it holds its rescues after it answers
/// again for `hold` plus half the absence: long enough for every live worker to reconnect and
/// extend its leases.
/// A worker that itself was away (frozen, or starved of CPU) holds off the same way. Jobs of
/// workers that really died are rescued once the hold ends.
struct RescueGate: Sendable {
    typealias Instant = ContinuousClock.Instant

    enum Decision: Sendable, Equatable {
        case rescue
        /// Hold the rescue; `starting` on the first round of a hold, with how long it lasts.
        case hold(starting: Duration?)
    }

    /// The housekeeping interval: the usual time between two answers.
    let interval: Duration
    /// How long rescues wait after an absence of the database.
    let hold: Duration
    private var lastAnswer: Instant?
    private var holdUntil: Instant?

    init(interval: Duration, hold: Duration) {
        self.interval = interval
        self.hold = hold
    }

    /// The database answered this round's heartbeat and lease extension at `now`; says whether
    /// the round may rescue.
    mutating func databaseAnswered(at now: Instant) -> Decision {
        var starting: Duration?
        if let lastAnswer, hold > .zero {
            let absence = lastAnswer.duration(to: now)
            if absence > interval * 2 + .seconds(1) {
                // Other workers' connection pools back off while the database is away (by about a
                // quarter of the time it has been away, in PostgresNIO), so they may come back
                // well after this one: the longer the absence, the longer the hold.
                starting = hold + absence / 2
                holdUntil = now + starting!
            }
        }
        lastAnswer = now
        if let holdUntil, now < holdUntil { return .hold(starting: starting) }
        holdUntil = nil
        return .rescue
    }
}
