import APNSBinary
import MockGateway
import NIOCore
import TestSupport
import Testing

@Suite struct FeedbackTests {
    static func tuples(_ count: Int) -> [FeedbackTuple] {
        (0..<count).map { FeedbackTuple(timestamp: 1_700_000_000 + UInt32($0), deviceToken: ByteBuffer(bytes: WireBytes.token(UInt8($0)))) }
    }

    /// `<timestamp:4> <length:2> <token>`, written out by hand.
    static func bytes(_ tuples: [FeedbackTuple]) -> [UInt8] {
        tuples.flatMap { WireBytes.be32($0.timestamp) + WireBytes.be16($0.deviceToken.readableBytes) + Array($0.deviceToken.readableBytesView) }
    }

    @Test func servesTheListAndCloses() async throws {
        let tuples = Self.tuples(5)
        let fixture = try await GatewayFixture.start(feedback: FeedbackPlan(tuples: tuples))
        let port = try #require(fixture.gateway.feedbackPort)
        let exchange = try await RawTLSClient.exchange(port: port, context: try fixture.pki.clientContext(), chunks: [])
        #expect(exchange.received == Self.bytes(tuples))
        #expect(exchange.error == nil)
        // Without clearOnceRead the list is served again.
        let again = try await RawTLSClient.exchange(port: port, context: try fixture.pki.clientContext(), chunks: [])
        #expect(again.received == Self.bytes(tuples))
        try await fixture.waitUntil { $0.feedbackTuplesServed == 10 }
        try await fixture.stop()
    }

    @Test func clearsTheListOnceReadWhenAsked() async throws {
        let tuples = Self.tuples(2)
        let fixture = try await GatewayFixture.start(feedback: FeedbackPlan(tuples: tuples, clearOnceRead: true))
        let port = try #require(fixture.gateway.feedbackPort)
        #expect(try await RawTLSClient.exchange(port: port, context: try fixture.pki.clientContext(), chunks: []).received == Self.bytes(tuples))
        #expect(try await RawTLSClient.exchange(port: port, context: try fixture.pki.clientContext(), chunks: []).received.isEmpty)
        try await fixture.stop()
    }

    @Test func truncatedStreamEndsInsideTheLastTuple() async throws {
        let tuples = Self.tuples(3)
        let fixture = try await GatewayFixture.start(feedback: FeedbackPlan(tuples: tuples, truncateLastTuple: true))
        let port = try #require(fixture.gateway.feedbackPort)
        let exchange = try await RawTLSClient.exchange(port: port, context: try fixture.pki.clientContext(), chunks: [])
        let full = Self.bytes(tuples)
        #expect(exchange.received == Array(full.prefix(full.count - 16)))
        try await fixture.waitUntil { $0.feedbackTuplesServed == 2 }
        try await fixture.stop()
    }
}
