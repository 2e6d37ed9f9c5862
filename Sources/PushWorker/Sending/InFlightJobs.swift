import APNSBinary
import JobQueue

/// The claimed jobs one app's sender has handed to its gateway pool, and what is known of each
/// token so far. A pure value (events in, finished reports out) with no I/O, so every path is
/// tested without sockets or a database; ``AppSender`` owns one behind a lock.
///
/// Each submitted notification carries a tag naming its job's slot (high 32 bits) and the
/// recipient's index in the job (low 32 bits). When the last outstanding token of a job settles,
/// the job's report is handed back to be written.
struct InFlightJobs: Sendable {
    private struct Entry: Sendable {
        var report: JobReport
        var outstanding: Int
    }

    /// Counts of one settlement, for metrics and logs.
    struct Tally: Sendable, Equatable {
        var accepted = 0
        /// Refusals by the gateway's status and reason, whether retried or final.
        var rejected: [RejectionLabel: Int] = [:]
        var retried = 0
        var released = 0
        /// Outcomes whose tag named no outstanding token (never expected; counted, not trusted).
        var unknown = 0
    }

    struct Settlement: Sendable {
        var finished: [JobReport] = []
        var tally = Tally()
        /// The first fatal failure among the outcomes: the app's credentials or trust are at fault.
        var appFailure: GatewayFailure?
        /// The first "gateway unreachable" among the outcomes: the app should pause.
        var gatewayUnreachable: GatewayFailure?
    }

    private var entries: [UInt32: Entry] = [:]
    private var nextSlot: UInt32 = 1

    /// Jobs with tokens still on the wire.
    var jobCount: Int { entries.count }

    /// Tokens submitted and not yet settled.
    private(set) var outstandingCount = 0

    static func tag(slot: UInt32, index: Int) -> UInt64 {
        UInt64(slot) << 32 | UInt64(UInt32(truncatingIfNeeded: index))
    }

    static func split(_ tag: UInt64) -> (slot: UInt32, index: Int) {
        (UInt32(truncatingIfNeeded: tag >> 32), Int(UInt32(truncatingIfNeeded: tag)))
    }

    /// Registers a job about to be submitted. `report` may already hold outcomes for recipients
    /// that will not be sent (expired, unusable); `sending` lists the indices that will be.
    /// Returns the slot for the tags, or the finished report when nothing is to be sent.
    mutating func start(_ report: JobReport, sending indices: [Int]) -> (slot: UInt32, finished: JobReport?) {
        guard !indices.isEmpty else { return (0, report) }
        var slot = nextSlot
        while slot == 0 || entries[slot] != nil {
            slot &+= 1
        }
        nextSlot = slot &+ 1
        entries[slot] = Entry(report: report, outstanding: indices.count)
        outstandingCount += indices.count
        return (slot, nil)
    }

    /// Records outcomes from a binary pool; returns the jobs whose every token has settled.
    mutating func settle(_ outcomes: [GatewayOutcome]) -> Settlement {
        settle(outcomes.map(SettledToken.init))
    }

    /// Records settled tokens (of either transport); returns the jobs whose every token has settled.
    mutating func settle(_ outcomes: [SettledToken]) -> Settlement {
        var settlement = Settlement()
        var touched: Set<UInt32> = []
        for outcome in outcomes {
            let (slot, index) = Self.split(outcome.tag)
            // Read and mutate in place through the dictionary: copying an entry out would copy
            // its report's outcome array on every write.
            let isOpen = entries[slot].map {
                $0.report.outcomes.indices.contains(index) && $0.report.outcomes[index] == nil
            } ?? false
            guard isOpen else {
                settlement.tally.unknown += 1
                continue
            }
            let decision = outcome.decision
            entries[slot]!.report.record(decision.outcome, forRecipientAt: index)
            if let apnsID = outcome.apnsID {
                entries[slot]!.report.recordApnsID(apnsID, forRecipientAt: index)
            }
            entries[slot]!.outstanding -= 1
            outstandingCount -= 1
            touched.insert(slot)
            settlement.tally.count(decision.outcome, rejection: outcome.rejection)
            if settlement.appFailure == nil, let failure = decision.appFailure {
                settlement.appFailure = failure
            }
            if settlement.gatewayUnreachable == nil, let failure = decision.gatewayUnreachable {
                settlement.gatewayUnreachable = failure
            }
        }
        for slot in touched.sorted() where entries[slot]?.outstanding == 0 {
            settlement.finished.append(entries.removeValue(forKey: slot)!.report)
        }
        return settlement
    }

    /// Takes back a job whose submission failed (the pool took none of it): its unsent tokens
    /// are released.
    mutating func withdraw(slot: UInt32) -> JobReport? {
        guard var entry = entries.removeValue(forKey: slot) else { return nil }
        outstandingCount -= entry.outstanding
        entry.report.recordRemaining(.released)
        return entry.report
    }

    /// Gives up on everything still outstanding (the drain deadline passed): the unsettled tokens
    /// are released, to be claimed again. Any of them the gateway did take will then be sent
    /// twice; the caller logs how many.
    mutating func abandonAll() -> [JobReport] {
        let reports = entries.keys.sorted().compactMap { withdraw(slot: $0) }
        return reports
    }
}

extension InFlightJobs.Tally {
    /// Counts one settled token: refusals by the gateway's status and reason (whether they are
    /// retried or final), and what was recorded.
    mutating func count(_ outcome: TokenOutcome, rejection: RejectionLabel?) {
        if let rejection {
            rejected[rejection, default: 0] += 1
        }
        switch outcome {
        case .accepted: accepted += 1
        case .retry: retried += 1
        case .released: released += 1
        case .rejected, .expired, .failed: break
        }
    }
}
