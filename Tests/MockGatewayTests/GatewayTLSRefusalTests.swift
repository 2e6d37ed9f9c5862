import MockGateway
import TestSupport
import Testing

/// Mutual TLS: only client certificates signed by the gateway's CA get in.
@Suite struct GatewayTLSRefusalTests {
    @Test func clientWithoutCertificateIsRefused() async throws {
        let fixture = try await GatewayFixture.start()
        let exchange = try await fixture.exchange(WireBytes.frame(id: 1), context: try fixture.pki.clientContextWithoutCertificate())
        #expect(exchange.received.isEmpty)
        #expect(exchange.error != nil)
        try await fixture.waitUntil { $0.handshakesFailed == 1 }
        #expect(fixture.gateway.statistics().accepted == 0)
        try await fixture.stop()
    }

    @Test func clientCertificateFromAnotherAuthorityIsRefused() async throws {
        let fixture = try await GatewayFixture.start()
        let stranger = try CertificateAuthority(commonName: "some other CA").issueClientIdentity(topic: "com.example.pushworker")
        let exchange = try await fixture.exchange(WireBytes.frame(id: 1), context: try fixture.pki.clientContext(presenting: stranger))
        #expect(exchange.received.isEmpty)
        #expect(exchange.error != nil)
        try await fixture.waitUntil { $0.handshakesFailed == 1 }
        #expect(fixture.gateway.statistics().accepted == 0)
        try await fixture.stop()
    }

    @Test func feedbackServiceAlsoRequiresTheClientCertificate() async throws {
        let fixture = try await GatewayFixture.start(feedback: FeedbackPlan(tuples: FeedbackTests.tuples(3)))
        let exchange = try await RawTLSClient.exchange(
            port: try #require(fixture.gateway.feedbackPort), context: try fixture.pki.clientContextWithoutCertificate(), chunks: [])
        #expect(exchange.received.isEmpty)
        try await fixture.waitUntil { $0.handshakesFailed == 1 }
        #expect(fixture.gateway.statistics().feedbackTuplesServed == 0)
        try await fixture.stop()
    }
}
