/// The decisions of one HTTP/2 connection to APNs as a pure value: how many streams may be open
/// now, when to stop opening them, when to close, when to send a keep-alive PING, and whether a
/// stream that ended without an answer was processed by APNs. No NIO, no clock: timers are events.
///
/// - The stream limit is the server's live `SETTINGS_MAX_CONCURRENT_STREAMS` (capped by our
///   own ``Configuration/maximumStreams``). APNs changes it at any time — down to 1 after a
///   rejection, up again later — and a request is only started while ``room`` is positive, so the
///   limit is never exceeded. Until the first SETTINGS frame, ``Configuration/initialStreamLimit``
///   applies (APNs allows one stream on a token connection until a request succeeds).
/// - GOAWAY: no stream is opened any more; streams up to its last-stream-id finish; those above
///   it were not processed (``StreamEnd/notProcessed``) and go to another connection; the
///   connection closes once nothing is open.
/// - Stream ids: the machine hands out the client's odd stream ids in order. A connection whose
///   ids run out (2³¹ − 1 is the last) drains like one the pool retires, and the pool opens another.
/// - Flow control: a request's body is sent with its HEADERS, whole, so it must fit the
///   connection's send window; ``room`` is 0 while the window holds less than the largest body
///   (``Configuration/largestBody``) and grows again with the server's WINDOW_UPDATE. Response
///   bytes are given back with a WINDOW_UPDATE once half the receive window is used. A server
///   whose initial stream window is smaller than the largest body cannot be served: the
///   connection closes with ``protocolFailure`` set.
/// - PING: a timer fires every ``Configuration/pingInterval``; an interval without stream activity
///   (no stream opened or ended) sends a PING, and an interval that ends with that PING unanswered
///   closes the connection. So an idle connection is kept alive, and one whose open streams go
///   unanswered for two intervals while the server does not answer PING either is closed, which
///   settles those streams: this is the deadline of every request.
public struct HTTP2ConnectionStateMachine: Sendable, Hashable {
    public struct Configuration: Sendable, Hashable {
        /// Streams allowed before the server's first SETTINGS frame.
        public var initialStreamLimit: Int
        /// Our own cap on concurrent streams per connection (bounds memory).
        public var maximumStreams: Int
        /// The highest stream id the connection may use (HTTP/2 allows 2³¹ − 1; tests lower it).
        public var highestStreamID: Int
        /// The largest request body (APNs: 5,120 bytes, a VoIP payload).
        public var largestBody: Int

        public init(
            initialStreamLimit: Int = 1, maximumStreams: Int = 1_000, highestStreamID: Int = Int(Int32.max),
            largestBody: Int = 5_120
        ) {
            precondition(initialStreamLimit >= 1 && maximumStreams >= 1 && highestStreamID >= 1 && largestBody >= 0)
            self.initialStreamLimit = initialStreamLimit
            self.maximumStreams = maximumStreams
            self.highestStreamID = highestStreamID
            self.largestBody = largestBody
        }
    }

    public enum Phase: Sendable, Hashable {
        /// TCP and TLS (ALPN h2) not done yet.
        case connecting
        /// Streams may be opened.
        case active
        /// The server sent GOAWAY: no new streams; open ones with ids up to `lastStreamID` finish.
        case goingAway(lastStreamID: Int)
        /// We are closing: no new streams; close once the open ones finish.
        case draining
        /// Closed (or asked to close).
        case closed
    }

    public enum Action: Sendable, Hashable {
        /// Nothing to do.
        case none
        /// ``room`` may have grown: offer the connection more work.
        case offerWork
        /// Close the connection (nothing is open, or it is dead).
        case close
        /// Send a PING.
        case sendPing
    }

    /// How a stream ended without a response.
    public enum StreamEnd: Sendable, Hashable {
        /// APNs never processed it (refused, or above a GOAWAY's last-stream-id): send it again
        /// elsewhere; it cannot have been delivered.
        case notProcessed
        /// Reset or lost after APNs may have processed it: it may or may not have been delivered.
        case lost
    }

    public let configuration: Configuration
    public private(set) var phase: Phase = .connecting
    /// The live limit (server setting, capped).
    public private(set) var streamLimit: Int
    public private(set) var openStreams = 0
    /// The id the next stream gets (client streams are odd).
    public private(set) var nextStreamID = 1
    /// Bytes of DATA we may still send on the connection.
    public private(set) var sendWindow = Self.initialWindow
    /// Response DATA bytes received and not yet given back with a WINDOW_UPDATE.
    public private(set) var unacknowledgedReceived = 0
    /// Why the connection cannot go on under HTTP/2's rules, once it cannot.
    public private(set) var protocolFailure: String?

    /// The flow-control window both sides start with (RFC 9113 §6.9.2).
    public static let initialWindow = 65_535
    /// The largest window RFC 9113 allows.
    static let largestWindow = Int(Int32.max)
    /// Whether any request on this connection got an answer (the connection proved itself).
    public private(set) var answered = false
    private var activeSinceLastTimer = false
    private var pingOutstanding = false

    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
        self.streamLimit = min(configuration.initialStreamLimit, configuration.maximumStreams)
    }

    /// How many streams may be opened now.
    public var room: Int {
        guard phase == .active, sendWindow >= configuration.largestBody else { return 0 }
        return max(0, streamLimit - openStreams)
    }

    // MARK: Events

    /// TLS completed and the HTTP/2 preface was sent.
    public mutating func connected() -> Action {
        guard phase == .connecting else { return .none }
        phase = .active
        return .offerWork
    }

    /// A SETTINGS frame arrived; a value is `nil` when the frame did not carry that setting.
    public mutating func settingsReceived(maxConcurrentStreams: Int?, initialWindowSize: Int? = nil) -> Action {
        if let initialWindowSize, initialWindowSize < configuration.largestBody {
            protocolFailure = "the gateway's SETTINGS_INITIAL_WINDOW_SIZE \(initialWindowSize) is smaller than the largest request body (\(configuration.largestBody) bytes)"
            return close()
        }
        guard let maxConcurrentStreams else { return .none }
        let previous = streamLimit
        streamLimit = min(max(maxConcurrentStreams, 0), configuration.maximumStreams)
        return streamLimit > previous && room > 0 ? .offerWork : .none
    }

    /// A request with `bodyBytes` of DATA is started on a new stream. Only call while ``room`` is
    /// positive and with a body no larger than ``Configuration/largestBody``.
    ///
    /// - Returns: the stream's id. After the last id the connection drains: ``room`` stays 0.
    @discardableResult
    public mutating func streamOpened(bodyBytes: Int = 0) -> Int {
        precondition(room > 0, "a stream was opened without room (limit \(streamLimit), open \(openStreams), \(phase))")
        precondition(bodyBytes <= configuration.largestBody, "a body of \(bodyBytes) bytes is above the largest (\(configuration.largestBody))")
        openStreams += 1
        sendWindow -= bodyBytes
        activeSinceLastTimer = true
        let streamID = nextStreamID
        nextStreamID += 2
        if nextStreamID > configuration.highestStreamID { phase = .draining }
        return streamID
    }

    /// A stream got its complete response.
    public mutating func responseReceived() -> Action {
        answered = true
        return streamClosed()
    }

    /// A stream ended without a response: was it processed? (`streamID` is `nil` when the stream
    /// never got an id, i.e. nothing reached the server.)
    public mutating func streamFailed(streamID: Int?, refused: Bool) -> (StreamEnd, Action) {
        let end: StreamEnd
        if refused || streamID == nil {
            end = .notProcessed
        } else if case .goingAway(let last) = phase, let streamID, streamID > last {
            end = .notProcessed
        } else {
            end = .lost
        }
        return (end, streamClosed())
    }

    /// The server's WINDOW_UPDATE for the connection.
    public mutating func sendWindowIncreased(by increment: Int) -> Action {
        let hadRoom = room > 0
        sendWindow += increment
        guard sendWindow <= Self.largestWindow else {
            protocolFailure = "the gateway's WINDOW_UPDATE took the send window to \(sendWindow), above 2³¹ − 1"
            return close()
        }
        return !hadRoom && room > 0 ? .offerWork : .none
    }

    /// `bytes` of response DATA (padding included) arrived.
    ///
    /// - Returns: the increment of the connection WINDOW_UPDATE to send now, if one is due.
    public mutating func dataReceived(bytes: Int) -> Int? {
        unacknowledgedReceived += bytes
        guard unacknowledgedReceived >= Self.initialWindow / 2 else { return nil }
        defer { unacknowledgedReceived = 0 }
        return unacknowledgedReceived
    }

    /// The server sent GOAWAY.
    public mutating func goAwayReceived(lastStreamID: Int) -> Action {
        switch phase {
        case .closed:
            return .none
        case .goingAway(let earlier):
            phase = .goingAway(lastStreamID: min(earlier, lastStreamID))
        default:
            phase = .goingAway(lastStreamID: lastStreamID)
        }
        return openStreams == 0 ? close() : .none
    }

    /// The pool wants this connection closed once its streams finish.
    public mutating func drainRequested() -> Action {
        switch phase {
        case .connecting, .active:
            phase = .draining
            return openStreams == 0 ? close() : .none
        case .goingAway, .draining, .closed:
            return .none
        }
    }

    /// The keep-alive timer fired.
    public mutating func pingTimerFired() -> Action {
        guard phase != .closed, phase != .connecting else { return .none }
        defer { activeSinceLastTimer = false }
        if pingOutstanding { return close() }
        guard !activeSinceLastTimer else { return .none }
        pingOutstanding = true
        return .sendPing
    }

    /// The server acknowledged our PING.
    public mutating func pingAcknowledged() {
        pingOutstanding = false
    }

    /// The channel closed (for any reason).
    public mutating func channelClosed() {
        phase = .closed
    }

    // MARK: Helpers

    private mutating func streamClosed() -> Action {
        precondition(openStreams > 0, "a stream closed that was never opened")
        openStreams -= 1
        activeSinceLastTimer = true
        switch phase {
        case .goingAway, .draining:
            return openStreams == 0 ? close() : .none
        case .active:
            return .offerWork
        case .connecting, .closed:
            return .none
        }
    }

    private mutating func close() -> Action {
        phase = .closed
        return .close
    }
}
