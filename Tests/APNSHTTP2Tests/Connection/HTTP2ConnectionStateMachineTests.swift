import APNSHTTP2
import Testing

/// Transcripts of one connection's decisions: events in, actions out, no sockets.
@Suite struct HTTP2ConnectionStateMachineTests {
    static func connected(initial: Int = 1, maximum: Int = 1_000) -> HTTP2ConnectionStateMachine {
        var machine = HTTP2ConnectionStateMachine(configuration: .init(initialStreamLimit: initial, maximumStreams: maximum))
        #expect(machine.room == 0)
        #expect(machine.connected() == .offerWork)
        return machine
    }

    @Test func oneStreamUntilTheServersSettingsThenItsLimit() {
        var machine = Self.connected()
        #expect(machine.room == 1)
        machine.streamOpened()
        #expect(machine.room == 0)
        #expect(machine.settingsReceived(maxConcurrentStreams: 500) == .offerWork)
        #expect(machine.room == 499)
    }

    @Test func streamIDsAreOddAndInOrderAndTheirEndDrainsTheConnection() {
        var machine = HTTP2ConnectionStateMachine(configuration: .init(initialStreamLimit: 10, highestStreamID: 7))
        _ = machine.connected()
        #expect(machine.streamOpened() == 1)
        #expect(machine.streamOpened() == 3)
        #expect(machine.streamOpened() == 5)
        #expect(machine.room == 7)
        #expect(machine.streamOpened() == 7)
        // 9 would be past the last id: no more streams, close once the open ones finish.
        #expect(machine.phase == .draining)
        #expect(machine.room == 0)
        for _ in 0..<3 { #expect(machine.responseReceived() == .none) }
        #expect(machine.responseReceived() == .close)
    }

    @Test func settingsWithoutTheLimitChangeNothing() {
        var machine = Self.connected()
        #expect(machine.settingsReceived(maxConcurrentStreams: nil) == .none)
        #expect(machine.streamLimit == 1)
    }

    @Test func theLimitFollowsTheServerDownToOneAndUpAgain() {
        var machine = Self.connected()
        _ = machine.settingsReceived(maxConcurrentStreams: 500)
        for _ in 0..<10 { machine.streamOpened() }
        // APNs drops the limit to 1 after a rejection: nothing may open until 9 of the 10 close.
        #expect(machine.settingsReceived(maxConcurrentStreams: 1) == .none)
        #expect(machine.room == 0)
        for _ in 0..<9 {
            #expect(machine.responseReceived() == .offerWork)
            #expect(machine.room == 0)
        }
        #expect(machine.responseReceived() == .offerWork)
        #expect(machine.room == 1)
        machine.streamOpened()
        #expect(machine.room == 0)
        #expect(machine.settingsReceived(maxConcurrentStreams: 500) == .offerWork)
        #expect(machine.room == 499)
    }

    @Test func ourOwnCapBoundsTheServersLimit() {
        var machine = Self.connected(maximum: 100)
        _ = machine.settingsReceived(maxConcurrentStreams: 1_500)
        #expect(machine.room == 100)
    }

    @Test func aZeroLimitStopsNewStreams() {
        var machine = Self.connected()
        #expect(machine.settingsReceived(maxConcurrentStreams: 0) == .none)
        #expect(machine.room == 0)
    }

    @Test func goAwayStopsNewStreamsFinishesThoseBelowAndClosesWhenEmpty() {
        var machine = Self.connected()
        _ = machine.settingsReceived(maxConcurrentStreams: 100)
        for _ in 0..<3 { machine.streamOpened() }  // streams 1, 3, 5
        #expect(machine.goAwayReceived(lastStreamID: 3) == .none)
        #expect(machine.room == 0)
        #expect(machine.responseReceived() == .none)  // stream 1 answered
        let (end, action) = machine.streamFailed(streamID: 5, refused: false)
        #expect(end == .notProcessed)
        #expect(action == .none)
        let (lastEnd, lastAction) = machine.streamFailed(streamID: 3, refused: false)
        #expect(lastEnd == .lost)
        #expect(lastAction == .close)
        #expect(machine.phase == .closed)
    }

    @Test func goAwayOnAnIdleConnectionClosesAtOnce() {
        var machine = Self.connected()
        #expect(machine.goAwayReceived(lastStreamID: 0) == .close)
    }

    @Test func aSecondGoAwayCanOnlyLowerTheLastStreamID() {
        var machine = Self.connected()
        _ = machine.settingsReceived(maxConcurrentStreams: 10)
        machine.streamOpened()
        _ = machine.goAwayReceived(lastStreamID: 2_147_483_647)
        _ = machine.goAwayReceived(lastStreamID: 7)
        #expect(machine.phase == .goingAway(lastStreamID: 7))
        _ = machine.goAwayReceived(lastStreamID: 9)
        #expect(machine.phase == .goingAway(lastStreamID: 7))
    }

    @Test func refusedAndUnnumberedStreamsWereNotProcessedOthersMayHaveBeen() {
        var machine = Self.connected()
        _ = machine.settingsReceived(maxConcurrentStreams: 10)
        for _ in 0..<3 { machine.streamOpened() }
        #expect(machine.streamFailed(streamID: 1, refused: true).0 == .notProcessed)
        #expect(machine.streamFailed(streamID: nil, refused: false).0 == .notProcessed)
        #expect(machine.streamFailed(streamID: 5, refused: false).0 == .lost)
    }

    @Test func drainClosesOnceTheLastStreamEnds() {
        var machine = Self.connected()
        _ = machine.settingsReceived(maxConcurrentStreams: 10)
        machine.streamOpened()
        machine.streamOpened()
        #expect(machine.drainRequested() == .none)
        #expect(machine.room == 0)
        #expect(machine.responseReceived() == .none)
        #expect(machine.responseReceived() == .close)
        #expect(machine.answered)
    }

    @Test func idleConnectionsPingAndAnUnansweredPingCloses() {
        var machine = Self.connected()
        #expect(machine.pingTimerFired() == .sendPing)
        machine.pingAcknowledged()
        #expect(machine.pingTimerFired() == .sendPing)
        #expect(machine.pingTimerFired() == .close)
    }

    @Test func activeConnectionsDoNotPing() {
        var machine = Self.connected()
        machine.streamOpened()
        #expect(machine.pingTimerFired() == .none)  // a stream opened during the interval
        _ = machine.responseReceived()
        #expect(machine.pingTimerFired() == .none)  // a stream ended during the interval
        #expect(machine.pingTimerFired() == .sendPing)
    }

    @Test func streamsLeftUnansweredWithAnUnansweredPingCloseTheConnection() {
        var machine = Self.connected()
        _ = machine.settingsReceived(maxConcurrentStreams: 10)
        machine.streamOpened()
        #expect(machine.pingTimerFired() == .none)
        #expect(machine.pingTimerFired() == .sendPing)  // an interval without any answer
        machine.pingAcknowledged()                      // the server is alive, only slow
        #expect(machine.pingTimerFired() == .sendPing)
        #expect(machine.pingTimerFired() == .close)     // neither the stream nor the PING answered
    }

    @Test func nothingOpensBeforeTheConnectionIsUp() {
        var machine = HTTP2ConnectionStateMachine()
        #expect(machine.settingsReceived(maxConcurrentStreams: 100) == .none)
        #expect(machine.room == 0)
        #expect(machine.pingTimerFired() == .none)
        #expect(machine.connected() == .offerWork)
        #expect(machine.room == 100)
    }

    // MARK: Flow control

    @Test func bodiesAreSentOnlyIntoAWindowThatHoldsTheLargestBody() {
        var machine = Self.connected(initial: 1_000)
        // 65,535 − 12 × 5,000 = 5,535 left: a 5,120-byte body still fits, then no more room.
        for _ in 0..<12 { machine.streamOpened(bodyBytes: 5_000) }
        #expect(machine.sendWindow == 5_535)
        #expect(machine.room > 0)
        machine.streamOpened(bodyBytes: 1_000)
        #expect(machine.sendWindow == 4_535)
        #expect(machine.room == 0)
        // Answers do not give window back; the server's WINDOW_UPDATE does.
        #expect(machine.responseReceived() == .offerWork)
        #expect(machine.room == 0)
        #expect(machine.sendWindowIncreased(by: 100) == .none)
        #expect(machine.room == 0)
        #expect(machine.sendWindowIncreased(by: 10_000) == .offerWork)
        #expect(machine.room == 1_000 - 12)
    }

    @Test func aWindowAbove2To31Minus1IsAProtocolFailure() {
        var machine = Self.connected()
        #expect(machine.sendWindowIncreased(by: Int(Int32.max) - 65_535) == .none)
        #expect(machine.protocolFailure == nil)
        #expect(machine.sendWindowIncreased(by: 1) == .close)
        #expect(machine.protocolFailure != nil)
        #expect(machine.room == 0)
    }

    @Test func receivedBytesAreGivenBackAtHalfTheWindow() {
        var machine = Self.connected()
        #expect(machine.dataReceived(bytes: 30_000) == nil)
        #expect(machine.dataReceived(bytes: 2_767) == 32_767)
        #expect(machine.unacknowledgedReceived == 0)
        #expect(machine.dataReceived(bytes: 10) == nil)
    }

    @Test func aStreamWindowSmallerThanTheLargestBodyEndsTheConnection() {
        var machine = Self.connected()
        #expect(machine.settingsReceived(maxConcurrentStreams: 100, initialWindowSize: 65_535) == .offerWork)
        #expect(machine.settingsReceived(maxConcurrentStreams: nil, initialWindowSize: 4_096) == .close)
        #expect(machine.protocolFailure?.contains("4096") == true)
        #expect(machine.phase == .closed)
    }
}
