import Foundation
import MockGateway
import NIOCore
import TestSupport
import Testing

/// The HTTP/2 provider API over real TLS with ALPN `h2`: certificate and token
/// authentication, validation on the wire, and the shared ledger.
@Suite struct HTTP2GatewayTests {
    static let token = String(repeating: "ab", count: 32)

    @Test func certificateConnectionIsAcceptedAndLedgered() async throws {
        let fixture = try await HTTP2GatewayFixture.start(mode: .certificate)
        let client = try await fixture.certificateClient()
        let apnsID = "123e4567-e89b-42d3-a456-426614174000"
        let response = try await client.send(headers: [("apns-topic", "com.example.pushworker"), ("apns-id", apnsID)])
        #expect(response.status == 200)
        #expect(response.apnsID == apnsID)
        #expect(response.body.isEmpty)

        // Without apns-id the gateway makes one up; without apns-topic the certificate's is used.
        let second = try await client.send(headers: [])
        #expect(second.status == 200)
        #expect(second.apnsID.map(PushRequestRules.isCanonicalUUID) == true)

        let wrongTopic = try await client.send(headers: [("apns-topic", "com.example.other")])
        #expect(wrongTopic.status == 400)
        #expect(wrongTopic.reason == "BadTopic")

        let lines = try fixture.ledgerLines()
        #expect(lines.count == 2)
        let payload = Array(#"{"aps":{"alert":"hi"}}"#.utf8)
        #expect(lines[0][1] == "20")
        #expect(lines[0][2] == "1")
        #expect(lines[1][2] == "3")
        #expect(lines[0][3] == Substring(Self.token))
        #expect(lines[0][4] == Substring(String(payload.count)))
        #expect(UInt64(lines[0][5], radix: 16) == LedgerEntry.digest(ofPayload: payload))
        let statistics = fixture.gateway.statistics()
        #expect(statistics.accepted == 2)
        #expect(statistics.rejected(.badTopic) == 1)
        #expect(statistics.duplicates == 1)
        await client.close()
        try await fixture.stop()
    }

    @Test func certificateModeRefusesClientsWithoutCertificate() async throws {
        let fixture = try await HTTP2GatewayFixture.start(mode: .certificate)
        // With TLS 1.3 the client may finish its handshake before the server refuses it; the
        // refusal then shows on the first request.
        let client = try? await fixture.tokenClient()
        var status: Int?
        if let client {
            status = (try? await client.send(headers: [try fixture.bearer(), ("apns-topic", "com.example.pushworker")]))?.status
        }
        #expect(status == nil)
        try await fixture.waitUntil { $0.handshakesFailed == 1 }
        #expect(fixture.gateway.statistics().accepted == 0)
        await client?.close()
        try await fixture.stop()
    }

    @Test func clientsThatDoNotNegotiateH2AreClosed() async throws {
        let fixture = try await HTTP2GatewayFixture.start()
        let context = try HTTP2TestClient.context(fixture.pki, presenting: fixture.pki.pki.client, alpn: [])
        let exchange = try await RawTLSClient.exchange(port: fixture.port, context: context, chunks: [Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)])
        #expect(exchange.received.isEmpty)
        try await fixture.waitUntil { $0.handshakesFailed == 1 && $0.connectionsCurrent == 0 }
        try await fixture.stop()
    }

    @Test func tokenConnectionNeedsAValidProviderToken() async throws {
        let fixture = try await HTTP2GatewayFixture.start(mode: .token)
        let client = try await fixture.tokenClient()
        let topic = ("apns-topic", "com.example.pushworker")

        let missing = try await client.send(headers: [topic])
        #expect(missing.status == 403)
        #expect(missing.reason == "MissingProviderToken")

        let stranger = ProviderTokenSigner(keyID: fixture.tokenKey.keyID, teamID: fixture.tokenKey.teamID)
        let forged = try await client.send(headers: [ProviderTokenSigner.bearer(try stranger.token()), topic])
        #expect(forged.status == 403)
        #expect(forged.reason == "InvalidProviderToken")

        let expired = try await client.send(headers: [try fixture.bearer(issuedAt: Int64(Date().timeIntervalSince1970) - 3700), topic])
        #expect(expired.status == 403)
        #expect(expired.reason == "ExpiredProviderToken")

        // One token for the connection: a new one within 20 minutes is refused.
        let bearer = try fixture.bearer()
        let noTopic = try await client.send(headers: [bearer])
        #expect(noTopic.status == 400)
        #expect(noTopic.reason == "MissingTopic")

        let good = try await client.send(headers: [bearer, topic])
        #expect(good.status == 200)
        let renewed = try await client.send(headers: [try fixture.bearer(), topic])
        #expect(renewed.status == 429)
        #expect(renewed.reason == "TooManyProviderTokenUpdates")
        #expect(try fixture.ledgerLines().count == 1)
        await client.close()
        try await fixture.stop()
    }

    @Test func tokenConnectionsStartWithOneStreamUntilATokenWorks() async throws {
        let fixture = try await HTTP2GatewayFixture.start(http2Faults: HTTP2FaultPlan(maxConcurrentStreams: 250))
        let client = try await fixture.tokenClient()
        let bearer = try fixture.bearer()
        // Five requests at once: the client queues them behind the limit of 1.
        let statuses = try await withThrowingTaskGroup(of: Int?.self) { group in
            for _ in 0..<5 {
                group.addTask { try await client.send(headers: [bearer, ("apns-topic", "com.example.pushworker")]).status }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses == Array(repeating: 200, count: 5))
        #expect(try await eventually { client.events.streamLimits == [1, 250] })
        await client.close()

        // A certificate connection gets the full limit at once.
        let certificateClient = try await fixture.certificateClient()
        #expect(try await certificateClient.send().status == 200)
        #expect(certificateClient.events.streamLimits == [250])
        await certificateClient.close()
        try await fixture.stop()
    }

    @Test func invalidRequestsGetApplesReasons() async throws {
        let fixture = try await HTTP2GatewayFixture.start(mode: .certificate)
        let client = try await fixture.certificateClient()
        let cases: [(HTTP2TestClient.Response, Int, String)] = [
            (try await client.send(token: "abc"), 400, "BadDeviceToken"),
            (try await client.send(path: "/3/device/"), 400, "MissingDeviceToken"),
            (try await client.send(path: "/4/device/\(Self.token)"), 404, "BadPath"),
            (try await client.send(headers: [("apns-priority", "3")]), 400, "BadPriority"),
            (try await client.send(headers: [("apns-expiration", "soon")]), 400, "BadExpirationDate"),
            (try await client.send(headers: [("apns-collapse-id", String(repeating: "c", count: 65))]), 400, "BadCollapseId"),
            (try await client.send(headers: [("apns-id", "nope")]), 400, "BadMessageId"),
            (try await client.send(headers: [("apns-push-type", "fax")]), 400, "InvalidPushType"),
            (try await client.send(body: nil), 400, "PayloadEmpty"),
            (try await client.send(body: "not json"), 400, "PayloadEmpty"),
            (try await client.send(body: #"{"a":""# + String(repeating: "x", count: 5000) + #""}"#), 413, "PayloadTooLarge"),
        ]
        for (response, status, reason) in cases {
            #expect(response.status == status, "\(reason)")
            #expect(response.reason == reason)
            #expect(response.timestamp == nil)
            #expect(response.apnsID != nil)
        }
        // Errors do not close the connection.
        #expect(try await client.send().status == 200)
        #expect(try fixture.ledgerLines().count == 1)
        #expect(fixture.gateway.statistics().rejectedTotal == cases.count)
        await client.close()
        try await fixture.stop()
    }

    @Test func theBinaryAndHTTP2SidesShareOneLedgerAndCounters() async throws {
        let fixture = try await HTTP2GatewayFixture.start()
        let client = try await fixture.certificateClient()
        #expect(try await client.send().status == 200)
        let exchange = try await fixture.base.exchange(WireBytes.frame(id: 7) + WireBytes.frame(id: 8, token: []))
        #expect(exchange.received == WireBytes.errorResponse(status: 2, id: 8))
        let formats = try fixture.ledgerLines().map { $0[1] }.sorted()
        #expect(formats == ["2", "20"])
        let connections = Set(try fixture.ledgerLines().map { $0[0] })
        #expect(connections.count == 2)
        #expect(fixture.gateway.statistics().accepted == 2)
        await client.close()
        try await fixture.stop()
    }
}
