import APNSBinary
import APNSHTTP2
import Crypto
import Foundation
import NIOCore
import Testing
import TestSupport

/// The pool over real TLS with ALPN h2 against a loopback HTTP/2 server: every notification gets
/// exactly one outcome, the server's live stream limit is followed, GOAWAY moves work to a new
/// connection, provider tokens are sent, renewed and refused as APNs does.
@Suite(.serialized) struct HTTP2PoolLoopbackTests {
    typealias Fixture = HTTP2LoopbackFixture

    static func kind(of request: LoopbackHTTP2Server.Request) -> String { String(request.tokenHex.prefix(2)) }

    @Test func everyNotificationGetsExactlyOneOutcomeOfTheRightKind() async throws {
        let server = try await LoopbackHTTP2Server(
            pki: try Fixture.pki.get(), requireClientCertificate: true, group: Fixture.group
        ) { request in
            switch Self.kind(of: request) {
            case "01": .status(400, body: #"{"reason":"BadDeviceToken"}"#)
            case "02": .status(410, body: #"{"reason":"Unregistered","timestamp":1700000000123}"#)
            case "03": .status(503, body: #"{"reason":"ServiceUnavailable"}"#)
            default: .status(200)
            }
        }
        defer { Task { await server.close() } }
        let pool = try Fixture.pool(server: server)
        let notifications = Fixture.notifications(0..<600) { UInt8($0 % 10 < 4 ? $0 % 10 : 0) }
        let results = try await Fixture.send(notifications, pool: pool)
        #expect(results.count == 600)
        #expect(results.values.allSatisfy { $0.count == 1 })
        for (tag, outcomes) in results {
            switch (tag % 10, outcomes[0]) {
            case (1, .rejected(let response)):
                #expect(response.status == 400 && response.reason == .badDeviceToken)
            case (2, .rejected(let response)):
                #expect(response.reason == .unregistered)
                #expect(response.timestamp == Date(timeIntervalSince1970: 1_700_000_000.123))
            case (3, .retryLater(let response)):
                #expect(response.status == 503)
            case (let kind, .accepted(let apnsID)) where kind == 0 || kind > 3:
                #expect(apnsID?.count == 36)
            default:
                Issue.record("tag \(tag): \(outcomes[0])")
            }
        }
        let statistics = await pool.statistics()
        #expect(statistics.accepted == 420 && statistics.rejected == 120 && statistics.retryLater == 60)
        #expect(statistics.failed == 0)
    }

    @Test func theLiveStreamLimitIsFollowedDownToOneAndUpAgain() async throws {
        let server = try await LoopbackHTTP2Server(
            pki: try Fixture.pki.get(), requireClientCertificate: true, streamLimit: 8, group: Fixture.group
        ) { request in
            switch request.sequence {
            case 50: .statusThenStreamLimit(200, limit: 1)
            case 120: .statusThenStreamLimit(200, limit: 16)
            default: .status(200)
            }
        }
        defer { Task { await server.close() } }
        let pool = try Fixture.pool(server: server, connections: 1)
        let results = try await Fixture.send(Fixture.notifications(0..<400), pool: pool)
        #expect(results.count == 400)
        #expect(Self.eachAcceptedOnce(results))
        let statistics = await pool.statistics()
        #expect(statistics.accepted == 400 && statistics.failed == 0 && statistics.resentLost == 0)
        // Over 1 connection, never more streams open than the largest limit announced.
        #expect(server.statistics.maximumConcurrentStreams <= 16)
        #expect(server.statistics.maximumConcurrentStreams > 1)
    }

    @Test func goAwayFinishesBelowTheLastStreamAndMovesTheRestToANewConnection() async throws {
        let server = try await LoopbackHTTP2Server(
            pki: try Fixture.pki.get(), requireClientCertificate: true, streamLimit: 32, group: Fixture.group
        ) { request in
            request.sequence == 100 || request.sequence == 300 ? .statusThenGoAway(200) : .status(200)
        }
        defer { Task { await server.close() } }
        let pool = try Fixture.pool(server: server, connections: 1)
        let results = try await Fixture.send(Fixture.notifications(0..<500), pool: pool)
        #expect(results.count == 500)
        #expect(Self.eachAcceptedOnce(results))
        let statistics = await pool.statistics()
        #expect(statistics.goAwaysReceived >= 1)
        #expect(statistics.connectionsEstablished >= 2)
        #expect(statistics.resentLost == 0)
        #expect(server.statistics.connections >= 2)
        // The streams open above the last-stream-id (the pool keeps 32 open) were sent again as not
        // processed — every one the server refused among them — and never counted as lost.
        #expect(statistics.resentNotProcessed > 0)
        #expect(statistics.resentNotProcessed >= server.statistics.refused)
    }

    @Test func aConnectionWhoseStreamIDsRunOutIsReplaced() async throws {
        let server = try await LoopbackHTTP2Server(
            pki: try Fixture.pki.get(), requireClientCertificate: true, streamLimit: 16, group: Fixture.group
        ) { _ in .status(200) }
        defer { Task { await server.close() } }
        // Stream ids 1, 3, …, 99: fifty requests per connection.
        let pool = try Fixture.pool(server: server, connections: 1, highestStreamID: 99)
        let results = try await Fixture.send(Fixture.notifications(0..<500), pool: pool)
        #expect(results.count == 500)
        #expect(Self.eachAcceptedOnce(results))
        let statistics = await pool.statistics()
        #expect(statistics.connectionsEstablished >= 10)
        #expect(statistics.resentLost == 0 && statistics.resentNotProcessed == 0)
        #expect(server.statistics.connections >= 10)
    }

    @Test func tokenAuthenticationSendsAVerifiableJWTAndRenewsAnExpiredOne() async throws {
        let key = P256.Signing.PrivateKey()
        let clock = ManualWallClock(Date())
        let source = ProviderTokenSource(
            signer: try ProviderTokenSigner(key: key, keyID: "KEY1234567", teamID: "TEAM123456"), now: { clock.now })
        let publicKey = key.publicKey
        let server = try await LoopbackHTTP2Server(
            pki: try Fixture.pki.get(), requireClientCertificate: false, group: Fixture.group
        ) { request in
            guard let authorization = request.headers.first(name: "authorization"),
                authorization.hasPrefix("bearer "), Self.verify(String(authorization.dropFirst(7)), with: publicKey)
            else { return .status(403, body: #"{"reason":"InvalidProviderToken"}"#) }
            return request.sequence == 0 ? .status(403, body: #"{"reason":"ExpiredProviderToken"}"#) : .status(200)
        }
        defer { Task { await server.close() } }
        let pool = try Fixture.pool(
            server: server, connections: 1, authentication: .token(source), presentingCertificate: false)
        // The clock moves past nothing: the only renewal is the one APNs asked for.
        let results = try await Fixture.send(Fixture.notifications(0..<50), pool: pool)
        #expect(results.count == 50)
        #expect(Self.eachAcceptedOnce(results))
        #expect(source.renewals == 2)
        #expect(await pool.statistics().resentAfterTokenRenewal == 1)
    }

    @Test func aRefusedProviderTokenStopsThePoolAndEveryNotificationStillGetsAnOutcome() async throws {
        let source = ProviderTokenSource(
            signer: try ProviderTokenSigner(key: P256.Signing.PrivateKey(), keyID: "KEY1234567", teamID: "TEAM123456"))
        let server = try await LoopbackHTTP2Server(
            pki: try Fixture.pki.get(), requireClientCertificate: false, group: Fixture.group
        ) { _ in .status(403, body: #"{"reason":"InvalidProviderToken"}"#) }
        defer { Task { await server.close() } }
        let pool = try Fixture.pool(server: server, connections: 1, authentication: .token(source), presentingCertificate: false)
        pool.start()
        let collector = Task {
            var results: [UInt64: [HTTP2Outcome.Result]] = [:]
            for await batch in pool.outcomes {
                for outcome in batch { results[outcome.tag, default: []].append(outcome.result) }
            }
            return results
        }
        try await pool.submit(Fixture.notifications(0..<20))
        await pool.drain()
        let results = await collector.value
        #expect(results.count == 20)
        for outcomes in results.values {
            guard outcomes.count == 1, case .failed(let failure) = outcomes[0] else {
                Issue.record("\(outcomes)")
                continue
            }
            #expect(failure.code == .providerTokenRejected && failure.isFatal)
        }
        await #expect(throws: GatewayFailure.self) { try await pool.submit(Fixture.notifications(20..<21)) }
    }

    @Test func aGatewayThatWantsAClientCertificateStopsACertificatelessPool() async throws {
        let server = try await LoopbackHTTP2Server(
            pki: try Fixture.pki.get(), requireClientCertificate: true, group: Fixture.group
        ) { _ in .status(200) }
        defer { Task { await server.close() } }
        let pool = try Fixture.pool(server: server, connections: 1, presentingCertificate: false)
        let results: [UInt64: [HTTP2Outcome.Result]]
        do {
            results = try await Fixture.send(Fixture.notifications(0..<5), pool: pool)
        } catch let failure as GatewayFailure {
            // The handshake failed before the first submit: the pool refuses work with the same failure.
            #expect(failure.code == .clientCertificateRejected || failure.code == .gatewayUnreachable)
            return
        }
        #expect(results.count == 5)
        for outcomes in results.values {
            guard case .failed(let failure) = outcomes.first else {
                Issue.record("\(outcomes)")
                continue
            }
            #expect(failure.code == .clientCertificateRejected || failure.code == .gatewayUnreachable)
        }
    }

    static func eachAcceptedOnce(_ results: [UInt64: [HTTP2Outcome.Result]]) -> Bool {
        results.values.allSatisfy { outcomes in
            guard outcomes.count == 1, case .accepted = outcomes[0] else { return false }
            return true
        }
    }

    /// Checks an ES256 JWT's signature (raw r‖s) over its first two parts.
    static func verify(_ token: String, with key: P256.Signing.PublicKey) -> Bool {
        let parts = token.split(separator: ".")
        guard parts.count == 3 else { return false }
        var base64 = parts[2].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64.append("=") }
        guard let raw = Data(base64Encoded: base64), let signature = try? P256.Signing.ECDSASignature(rawRepresentation: raw)
        else { return false }
        return key.isValidSignature(signature, for: Data("\(parts[0]).\(parts[1])".utf8))
    }
}
