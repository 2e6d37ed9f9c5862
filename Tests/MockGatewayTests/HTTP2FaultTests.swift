import Foundation
import MockGateway
import NIOCore
import NIOHTTP2
import TestSupport
import Testing

/// Each HTTP/2 fault, observed by a client over real TLS.
@Suite struct HTTP2FaultTests {
    static let token = String(repeating: "ab", count: 32)

    @Test func listedInvalidTokensGet410WithAMillisecondTimestamp() async throws {
        let dead = String(repeating: "dd", count: 32)
        let fixture = try await HTTP2GatewayFixture.start(faults: FaultPlan(invalidTokens: [ByteBuffer(bytes: Array(repeating: 0xdd, count: 32))]))
        let client = try await fixture.certificateClient()
        let before = Int64(Date().timeIntervalSince1970 * 1000)
        let response = try await client.send(token: dead)
        let after = Int64(Date().timeIntervalSince1970 * 1000)
        #expect(response.status == 410)
        #expect(response.reason == "Unregistered")
        let timestamp = try #require(response.timestamp)
        #expect((before...after).contains(timestamp))
        #expect(try await client.send().status == 200)
        #expect(fixture.gateway.statistics().rejected(.unregistered) == 1)
        #expect(try fixture.ledgerLines().map { $0[3] } == [Substring(Self.token)])
        await client.close()
        try await fixture.stop()
    }

    @Test func tokensListedWithAReasonGetThatReason() async throws {
        let bad = ByteBuffer(bytes: Array(repeating: 0xbb, count: 32))
        let fixture = try await HTTP2GatewayFixture.start(http2Faults: HTTP2FaultPlan(reasonsByToken: [bad: .badDeviceToken]))
        let client = try await fixture.certificateClient()
        let response = try await client.send(token: String(repeating: "bb", count: 32))
        #expect(response.status == 400)
        #expect(response.reason == "BadDeviceToken")
        await client.close()
        try await fixture.stop()
    }

    @Test func rateFaultsFollowTheSeed() async throws {
        let plan = HTTP2FaultPlan(reasonRates: [.init(reason: .tooManyRequests, rate: 0.25), .init(reason: .serviceUnavailable, rate: 0.25)])
        var runs: [[Int?]] = []
        for _ in 0..<2 {
            let fixture = try await HTTP2GatewayFixture.start(http2Faults: plan, faults: FaultPlan(seed: 77))
            let client = try await fixture.certificateClient()
            var statuses: [Int?] = []
            for _ in 0..<60 {
                let response = try await client.send()
                statuses.append(response.status)
                if response.status == 429 { #expect(response.reason == "TooManyRequests") }
                if response.status == 503 { #expect(response.reason == "ServiceUnavailable") }
            }
            #expect(statuses.contains(429))
            #expect(statuses.contains(503))
            #expect(statuses.contains(200))
            #expect(try fixture.ledgerLines().count == statuses.filter { $0 == 200 }.count)
            let statistics = fixture.gateway.statistics()
            #expect(statistics.rejected(.tooManyRequests) == statuses.filter { $0 == 429 }.count)
            #expect(statistics.rejected(.serviceUnavailable) == statuses.filter { $0 == 503 }.count)
            runs.append(statuses)
            await client.close()
            try await fixture.stop()
        }
        #expect(runs[0] == runs[1])
    }

    @Test func theStreamLimitDropsAndRisesInTheClientsSettings() async throws {
        let plan = HTTP2FaultPlan(maxConcurrentStreams: 64, streamLimitDropAfter: 2, streamLimitRiseAfter: 3)
        let fixture = try await HTTP2GatewayFixture.start(http2Faults: plan)
        let client = try await fixture.certificateClient()
        for _ in 0..<10 {
            #expect(try await client.send().status == 200)
        }
        // 2 at 64, then 1; 3 at 1, then 64; 2 at 64, then 1; 3 at 1, then 64.
        #expect(try await eventually { client.events.streamLimits == [64, 1, 64, 1, 64] })
        #expect(fixture.gateway.statistics().streamLimitChanges == 4)
        await client.close()
        try await fixture.stop()
    }

    @Test func concurrentRequestsAtALimitOfOneAllSucceed() async throws {
        let fixture = try await HTTP2GatewayFixture.start(http2Faults: HTTP2FaultPlan(maxConcurrentStreams: 1))
        let client = try await fixture.certificateClient()
        let statuses = try await withThrowingTaskGroup(of: Int?.self) { group in
            for _ in 0..<20 { group.addTask { try await client.send().status } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses == Array(repeating: 200, count: 20))
        #expect(client.events.streamLimits == [1])
        #expect(try fixture.ledgerLines().count == 20)
        await client.close()
        try await fixture.stop()
    }

    @Test func goAwayAfterNRequestsNamesTheLastStreamAndCloses() async throws {
        let fixture = try await HTTP2GatewayFixture.start(http2Faults: HTTP2FaultPlan(goAwayAfter: 3))
        let client = try await fixture.certificateClient()
        for _ in 0..<3 {
            #expect(try await client.send().status == 200)
        }
        #expect(try await eventually { client.events.goAways.count == 1 })
        #expect(client.events.goAways == [.init(lastStreamID: 5, errorCode: .noError, reason: #"{"reason":"Shutdown"}"#)])
        try await client.channel.closeFuture.get()
        #expect(fixture.gateway.statistics().goAwaysSent == 1)
        #expect(try fixture.ledgerLines().map { $0[2] } == ["1", "3", "5"])
        try await fixture.stop()
    }

    @Test func everyAnsweredStreamBelowTheGoAwayIsLedgeredAndNoOther() async throws {
        let fixture = try await HTTP2GatewayFixture.start(http2Faults: HTTP2FaultPlan(goAwayAfter: 5))
        let client = try await fixture.certificateClient()
        let responses = try await withThrowingTaskGroup(of: HTTP2TestClient.Response?.self) { group in
            for _ in 0..<30 { group.addTask { try? await client.send() } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        try await client.channel.closeFuture.get()
        let accepted = responses.compactMap { $0 }.filter { $0.status == 200 }
        let goAway = try #require(client.events.goAways.first)
        #expect(accepted.count >= 5)
        #expect(accepted.count < 30)
        let ledgered = try fixture.ledgerLines().map { Int($0[2])! }
        #expect(ledgered.count == accepted.count)
        #expect(ledgered.allSatisfy { $0 <= goAway.lastStreamID })
        try await fixture.stop()
    }

    @Test func responseLatencyDelaysButLosesNothing() async throws {
        let fixture = try await HTTP2GatewayFixture.start(http2Faults: HTTP2FaultPlan(responseLatency: .milliseconds(50)))
        let client = try await fixture.certificateClient()
        let start = ContinuousClock.now
        #expect(try await client.send().status == 200)
        #expect(ContinuousClock.now - start >= .milliseconds(50))
        #expect(try await client.send(token: "00").status == 400)
        #expect(try fixture.ledgerLines().count == 1)
        await client.close()
        try await fixture.stop()
    }
}
