/// The connection-level faults of one HTTP/2 connection as a pure state machine: each answered
/// request goes in, the frames the gateway must send on the connection come out.
public struct HTTP2ConnectionFaults: Sendable {
    public enum Action: Sendable, Hashable {
        /// Send SETTINGS with this `SETTINGS_MAX_CONCURRENT_STREAMS`.
        case announceStreamLimit(Int)
        /// Send GOAWAY naming this stream as the last one processed.
        case goAway(lastStreamID: Int)
    }

    private enum CyclePhase {
        case full(answered: Int)
        case one(answered: Int)
    }

    private let plan: HTTP2FaultPlan
    /// The limit in the connection's first SETTINGS.
    public let initialStreamLimit: Int
    private var announcedLimit: Int
    private var awaitingAuthentication: Bool
    private var lowAfterRejection = false
    private var phase = CyclePhase.full(answered: 0)
    private var answered = 0
    /// The highest stream whose request was judged (and ledgered when accepted), answered or not.
    private var highestProcessedStreamID = 0
    /// Set once GOAWAY was sent: streams above it are not processed.
    public private(set) var goAwayLastStreamID: Int?

    /// - Parameter tokenAuthenticated: the connection authenticates with provider tokens (it
    ///   presented no client certificate).
    public init(plan: HTTP2FaultPlan, tokenAuthenticated: Bool) {
        self.plan = plan
        self.awaitingAuthentication = tokenAuthenticated && plan.tokenConnectionsStartWithOneStream
        self.initialStreamLimit = awaitingAuthentication ? 1 : max(1, plan.maxConcurrentStreams)
        self.announcedLimit = initialStreamLimit
    }

    /// Whether a request on `streamID` arrived after GOAWAY excluded it.
    public func isExcludedByGoAway(streamID: Int) -> Bool {
        goAwayLastStreamID.map { streamID > $0 } ?? false
    }

    /// The request on `streamID` was judged: from now on it counts as processed, whether or not
    /// its response was written yet (a response latency delays it).
    public mutating func requestProcessed(streamID: Int) {
        highestProcessedStreamID = max(highestProcessedStreamID, streamID)
    }

    /// One request on `streamID` was answered; `accepted` when with 200.
    public mutating func requestAnswered(streamID: Int, accepted: Bool) -> [Action] {
        answered += 1
        highestProcessedStreamID = max(highestProcessedStreamID, streamID)
        if accepted { awaitingAuthentication = false }
        if plan.streamLimitFollowsRejections { lowAfterRejection = !accepted }
        advanceCycle()

        var actions: [Action] = []
        let wanted = awaitingAuthentication || lowAfterRejection || isInLowPhase ? 1 : max(1, plan.maxConcurrentStreams)
        if wanted != announcedLimit, goAwayLastStreamID == nil {
            announcedLimit = wanted
            actions.append(.announceStreamLimit(wanted))
        }
        // GOAWAY names the highest stream processed, not the highest answered: a stream judged
        // but still waiting out the latency was processed, and a client that sent it again
        // would duplicate it.
        if let limit = plan.goAwayAfter, answered >= limit, goAwayLastStreamID == nil {
            goAwayLastStreamID = highestProcessedStreamID
            actions.append(.goAway(lastStreamID: highestProcessedStreamID))
        }
        return actions
    }

    private var isInLowPhase: Bool {
        if case .one = phase { return true }
        return false
    }

    private mutating func advanceCycle() {
        guard let dropAfter = plan.streamLimitDropAfter else { return }
        switch phase {
        case .full(let count):
            phase = count + 1 >= dropAfter ? .one(answered: 0) : .full(answered: count + 1)
        case .one(let count):
            phase = count + 1 >= plan.streamLimitRiseAfter ? .full(answered: 0) : .one(answered: count + 1)
        }
    }
}
