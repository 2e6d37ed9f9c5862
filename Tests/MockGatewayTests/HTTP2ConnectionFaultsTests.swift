import NIOCore
import Testing

@testable import MockGateway

/// The connection-level HTTP/2 faults as transcripts: answered requests in, SETTINGS and
/// GOAWAY out.
@Suite struct HTTP2ConnectionFaultsTests {
    @Test func certificateConnectionsStartAtTheFullLimitAndKeepIt() {
        var faults = HTTP2ConnectionFaults(plan: HTTP2FaultPlan(maxConcurrentStreams: 500), tokenAuthenticated: false)
        #expect(faults.initialStreamLimit == 500)
        #expect(faults.requestAnswered(streamID: 1, accepted: false) == [])
        #expect(faults.requestAnswered(streamID: 3, accepted: true) == [])
    }

    @Test func tokenConnectionsGetTheFullLimitAfterTheFirstAcceptedRequest() {
        var faults = HTTP2ConnectionFaults(plan: HTTP2FaultPlan(maxConcurrentStreams: 500), tokenAuthenticated: true)
        #expect(faults.initialStreamLimit == 1)
        #expect(faults.requestAnswered(streamID: 1, accepted: false) == [])
        #expect(faults.requestAnswered(streamID: 3, accepted: true) == [.announceStreamLimit(500)])
        #expect(faults.requestAnswered(streamID: 5, accepted: true) == [])
    }

    @Test func theSingleStreamStartCanBeSwitchedOff() {
        let plan = HTTP2FaultPlan(maxConcurrentStreams: 500, tokenConnectionsStartWithOneStream: false)
        #expect(HTTP2ConnectionFaults(plan: plan, tokenAuthenticated: true).initialStreamLimit == 500)
    }

    @Test func theLimitDropsAfterNAndRisesAfterMRepeatedly() {
        var faults = HTTP2ConnectionFaults(
            plan: HTTP2FaultPlan(maxConcurrentStreams: 100, streamLimitDropAfter: 3, streamLimitRiseAfter: 2), tokenAuthenticated: false)
        let transcript = (0..<12).map { faults.requestAnswered(streamID: 2 * $0 + 1, accepted: true) }
        #expect(transcript == [
            [], [], [.announceStreamLimit(1)],
            [], [.announceStreamLimit(100)],
            [], [], [.announceStreamLimit(1)],
            [], [.announceStreamLimit(100)],
            [], [],
        ])
    }

    @Test func theLimitCanFollowRejectionsLikeAPNs() {
        var faults = HTTP2ConnectionFaults(
            plan: HTTP2FaultPlan(maxConcurrentStreams: 500, streamLimitFollowsRejections: true), tokenAuthenticated: false)
        #expect(faults.requestAnswered(streamID: 1, accepted: true) == [])
        #expect(faults.requestAnswered(streamID: 3, accepted: false) == [.announceStreamLimit(1)])
        #expect(faults.requestAnswered(streamID: 5, accepted: false) == [])
        #expect(faults.requestAnswered(streamID: 7, accepted: true) == [.announceStreamLimit(500)])
    }

    @Test func goAwayNamesTheHighestAnsweredStreamOnce() {
        var faults = HTTP2ConnectionFaults(plan: HTTP2FaultPlan(goAwayAfter: 3), tokenAuthenticated: false)
        #expect(faults.requestAnswered(streamID: 1, accepted: true) == [])
        // Stream 7 finished before stream 5: GOAWAY must not disown it.
        #expect(faults.requestAnswered(streamID: 7, accepted: true) == [])
        #expect(faults.requestAnswered(streamID: 5, accepted: false) == [.goAway(lastStreamID: 7)])
        #expect(faults.goAwayLastStreamID == 7)
        #expect(!faults.isExcludedByGoAway(streamID: 3))
        #expect(faults.isExcludedByGoAway(streamID: 9))
        // Stream 3, still open below the GOAWAY, is answered; nothing more is sent.
        #expect(faults.requestAnswered(streamID: 3, accepted: true) == [])
    }

    @Test func goAwayNamesTheHighestProcessedStreamEvenIfItsAnswerWaits() {
        // With a response latency, streams 3 and 5 are judged (and ledgered) before stream 1's
        // answer goes out: GOAWAY must not disown them, or the client sends them again.
        var faults = HTTP2ConnectionFaults(plan: HTTP2FaultPlan(goAwayAfter: 1), tokenAuthenticated: false)
        for stream in [1, 3, 5] { faults.requestProcessed(streamID: stream) }
        #expect(faults.requestAnswered(streamID: 1, accepted: true) == [.goAway(lastStreamID: 5)])
        #expect(!faults.isExcludedByGoAway(streamID: 5))
        #expect(faults.isExcludedByGoAway(streamID: 7))
    }

    @Test func noLimitChangesAfterGoAway() {
        var faults = HTTP2ConnectionFaults(
            plan: HTTP2FaultPlan(streamLimitDropAfter: 2, goAwayAfter: 1), tokenAuthenticated: false)
        #expect(faults.requestAnswered(streamID: 1, accepted: true) == [.goAway(lastStreamID: 1)])
        #expect(faults.requestAnswered(streamID: 3, accepted: true) == [])
    }

    @Test func injectedReasonsFollowTheListsThenTheRatesInOrder() {
        let listed = ByteBuffer(bytes: [1, 2, 3])
        let bad = ByteBuffer(bytes: [4, 5, 6])
        let other = ByteBuffer(bytes: [7, 8, 9])
        var random = SplitMix64(seed: 1)
        let lists = HTTP2FaultPlan(reasonsByToken: [bad: .badDeviceToken, listed: .badDeviceToken])
        #expect(lists.injectedReason(for: listed, invalidTokens: [listed], random: &random) == .unregistered)
        #expect(lists.injectedReason(for: bad, invalidTokens: [listed], random: &random) == .badDeviceToken)
        #expect(lists.injectedReason(for: other, invalidTokens: [listed], random: &random) == nil)

        let always = HTTP2FaultPlan(reasonRates: [.init(reason: .tooManyRequests, rate: 1), .init(reason: .serviceUnavailable, rate: 1)])
        #expect(always.injectedReason(for: other, invalidTokens: [], random: &random) == .tooManyRequests)

        let rates = HTTP2FaultPlan(reasonRates: [.init(reason: .tooManyRequests, rate: 0.2), .init(reason: .serviceUnavailable, rate: 0.25)])
        func run(seed: UInt64) -> [HTTP2Reason?] {
            var random = SplitMix64(seed: seed)
            return (0..<4000).map { _ in rates.injectedReason(for: other, invalidTokens: [], random: &random) }
        }
        let first = run(seed: 9)
        #expect(first == run(seed: 9))
        #expect(first != run(seed: 10))
        // 20 % are 429; of the rest, 25 % are 503 (20 % overall). Wide bounds: 4,000 draws.
        let tooMany = first.filter { $0 == .tooManyRequests }.count
        let unavailable = first.filter { $0 == .serviceUnavailable }.count
        #expect((650...950).contains(tooMany))
        #expect((650...950).contains(unavailable))
    }
}
