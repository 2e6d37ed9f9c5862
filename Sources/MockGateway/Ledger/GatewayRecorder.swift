import APNSBinary
import NIOConcurrencyHelpers
import NIOCore

/// The gateway's shared bookkeeping: counters, the duplicate detector, the ledger and the open
/// connections (so `stop()` can close them).
final class GatewayRecorder: Sendable {
    private struct State {
        var statistics = GatewayStatistics()
        var seenDigests = Set<UInt64>()
        var nextConnectionNumber: UInt64 = 1
        var openChannels: [ObjectIdentifier: any Channel] = [:]
    }

    /// A fault counted over the whole gateway rather than per connection.
    enum GatewayWideFault {
        case shutdown
        case abruptClose
    }

    private let state = NIOLockedValueBox(State())
    private let acceptedOverall = NIOLockedValueBox(0)
    let ledger: GatewayLedger?
    private let connectionLimit: Int?
    private let shutdownEvery: Int?
    private let abruptCloseEvery: Int?

    init(ledger: GatewayLedger?, faults: FaultPlan) {
        self.ledger = ledger
        self.connectionLimit = faults.connectionLimit
        self.shutdownEvery = faults.shutdownEvery.flatMap { $0 > 0 ? $0 : nil }
        self.abruptCloseEvery = faults.abruptCloseEvery.flatMap { $0 > 0 ? $0 : nil }
    }

    /// Counts one accepted notification towards the gateway-wide faults (`shutdownEvery`,
    /// `abruptCloseEvery`) and says whether it triggers one. Takes a lock only when such a fault
    /// is configured.
    func gatewayWideFault() -> GatewayWideFault? {
        guard shutdownEvery != nil || abruptCloseEvery != nil else { return nil }
        let count = acceptedOverall.withLockedValue { count in
            count += 1
            return count
        }
        if let every = shutdownEvery, count % every == 0 { return .shutdown }
        if let every = abruptCloseEvery, count % every == 0 { return .abruptClose }
        return nil
    }

    var statistics: GatewayStatistics {
        state.withLockedValue { $0.statistics }
    }

    /// Admits a new gateway connection unless the limit is reached; returns its number.
    func admit(_ channel: any Channel) -> UInt64? {
        state.withLockedValue { state in
            if let limit = connectionLimit, state.statistics.connectionsCurrent >= limit {
                state.statistics.connectionsRefusedByLimit += 1
                return nil
            }
            let number = state.nextConnectionNumber
            state.nextConnectionNumber += 1
            state.statistics.connectionsCurrent += 1
            state.statistics.connectionsTotal += 1
            state.openChannels[ObjectIdentifier(channel)] = channel
            return number
        }
    }

    func connectionClosed(_ channel: any Channel) {
        state.withLockedValue { state in
            state.statistics.connectionsCurrent -= 1
            state.openChannels[ObjectIdentifier(channel)] = nil
        }
    }

    func feedbackConnectionOpened(_ channel: any Channel) {
        state.withLockedValue { state in
            state.statistics.feedbackConnections += 1
            state.openChannels[ObjectIdentifier(channel)] = channel
        }
    }

    func feedbackConnectionClosed(_ channel: any Channel, tuplesServed: Int) {
        state.withLockedValue { state in
            state.statistics.feedbackTuplesServed += tuplesServed
            state.openChannels[ObjectIdentifier(channel)] = nil
        }
    }

    func handshakeFailed() {
        state.withLockedValue { $0.statistics.handshakesFailed += 1 }
    }

    var openChannels: [any Channel] {
        state.withLockedValue { Array($0.openChannels.values) }
    }

    /// Writes the ledger's pending lines to its file now. Called before an error response leaves:
    /// the response proves to the client that what the connection sent before it was accepted,
    /// so those lines must be in the file first — a gateway killed right after (SIGKILL: no
    /// flush on exit) must not have proven notifications that its ledger lacks. A failed write is
    /// kept by the ledger and reported by its next periodic flush.
    func persistLedger() {
        try? ledger?.flush()
    }

    /// Merges a connection's tally (ledger lines first, so a client that sees the effect of the
    /// batch — an error response, a close — also finds its lines once the ledger is flushed).
    func record(_ tally: inout ConnectionTally) {
        if tally.ledgerLines.readableBytes > 0 {
            ledger?.append(tally.ledgerLines)
        }
        state.withLockedValue { state in
            state.statistics.accepted += tally.accepted
            state.statistics.discardedAfterError += tally.discarded
            state.statistics.shutdownsSent += tally.shutdownsSent
            state.statistics.abruptCloses += tally.abruptCloses
            state.statistics.unparseableCloses += tally.unparseableCloses
            for (status, count) in tally.rejected {
                state.statistics.rejected[BinaryStatus(rawValue: status).name, default: 0] += count
            }
            for (reason, count) in tally.rejectedReasons {
                state.statistics.rejected[reason.rawValue, default: 0] += count
            }
            state.statistics.goAwaysSent += tally.goAwaysSent
            state.statistics.streamLimitChanges += tally.streamLimitChanges
            for digest in tally.digests where !state.seenDigests.insert(digest).inserted {
                state.statistics.duplicates += 1
            }
        }
        tally.reset()
    }
}
