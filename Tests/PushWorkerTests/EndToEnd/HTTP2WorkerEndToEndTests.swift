import Crypto
import Foundation
import JobQueue
import NIOPosix
import PostgresNIO
import PushWorker
import Testing
import TestSupport

/// A worker sending an HTTP/2 app's campaign (token authentication) through a loopback HTTP/2
/// gateway over TLS with ALPN h2, recording every token's outcome in a real PostgreSQL.
@Suite(.serialized) struct HTTP2WorkerEndToEndTests {
    @Test func aTokenAuthenticatedAppIsSentAndEveryOutcomeRecorded() async throws {
        let key = P256.Signing.PrivateKey()
        let tokens = (0..<60).map { WorkerHarness.token($0, salt: 6) }
        let hex = tokens.map(WorkerHarness.hex)
        // 0–9: unregistered since an hour ago (registered again since: kept); 10–19: unregistered
        // from a minute ahead (not registered since: disabled); 20–24: bad token; 25–29: 429.
        let staleGone = Set(hex[0..<10]), freshGone = Set(hex[10..<20]), bad = Set(hex[20..<25]), busy = Set(hex[25..<30])
        let now = Date()
        let hourAgo = Int64((now.timeIntervalSince1970 - 3_600) * 1_000), minuteAhead = Int64((now.timeIntervalSince1970 + 60) * 1_000)
        let gateway = try await LoopbackHTTP2Server(
            pki: try WorkerHarness.sharedPKI.get(), requireClientCertificate: false, group: MultiThreadedEventLoopGroup.singleton
        ) { request in
            guard request.headers.first(name: "authorization")?.hasPrefix("bearer ") == true,
                request.headers.first(name: "apns-topic") == "com.example.pushworker",
                request.headers.first(name: "apns-push-type") == "alert"
            else { return .status(403, body: #"{"reason":"MissingProviderToken"}"#) }
            let token = request.tokenHex
            if staleGone.contains(token) { return .status(410, body: #"{"reason":"Unregistered","timestamp":\#(hourAgo)}"#) }
            if freshGone.contains(token) { return .status(410, body: #"{"reason":"ExpiredToken","timestamp":\#(minuteAhead)}"#) }
            if bad.contains(token) { return .status(400, body: #"{"reason":"BadDeviceToken"}"#) }
            if busy.contains(token) { return .status(429, body: #"{"reason":"TooManyRequests"}"#) }
            return .status(200)
        }
        defer { Task { await gateway.close() } }
        try await WorkerHarness.with { harness in
            let keyFile = harness.pki.directory + "/AuthKey_KEY1234567.p8"
            try key.pemRepresentation.write(toFile: keyFile, atomically: true, encoding: .utf8)
            try await harness.client.execute(
                """
                INSERT INTO push.app (name, topic, transport, auth, gateway_host, gateway_port, private_key_path,
                                      key_id, team_id, ca_file, connections_per_worker)
                VALUES ('h2app', 'com.example.pushworker', 'http2', 'token', '127.0.0.1', \(Int32(gateway.port)),
                        \(keyFile), 'KEY1234567', 'TEAM123456', \(harness.pki.files.caCertificate), 2)
                """, logger: harness.logger)
            let campaign = try await harness.enqueueCampaign(app: "h2app", tokens: tokens)
            try await harness.client.execute(
                "UPDATE push.job SET max_attempts = 1 WHERE campaign_id = \(campaign)", logger: harness.logger)
            try await harness.runUntilIdle()

            let outcomes = try await harness.outcomes(campaign: campaign)
            #expect(outcomes.count == 60)
            #expect(outcomes.values.allSatisfy { $0.count == 1 })
            for (token, recorded) in outcomes {
                let expected: (String, Int32?) =
                    staleGone.contains(token) || freshGone.contains(token) ? ("rejected", 410)
                    : bad.contains(token) ? ("rejected", 400) : busy.contains(token) ? ("failed", 429) : ("accepted", nil)
                #expect(recorded.first.map { $0.kind == expected.0 && $0.code == expected.1 } == true, "\(token): \(recorded)")
            }
            let disabled = try await harness.client.query(
                "SELECT encode(token, 'hex') FROM push.device_token WHERE status = 'disabled'", logger: harness.logger)
            var disabledTokens: Set<String> = []
            for try await token in disabled.decode(String.self) { disabledTokens.insert(token) }
            #expect(disabledTokens == freshGone.union(bad))
            let reasons = try await harness.scalar(
                "SELECT string_agg(DISTINCT reason, ',' ORDER BY reason) FROM push.outcome WHERE campaign_id = \(campaign)",
                as: String.self)
            #expect(reasons == "BadDeviceToken,ExpiredToken,TooManyRequests,Unregistered")
            // Every answer's apns-id is in the ledger (migration 007).
            let traced = try await harness.scalar(
                "SELECT count(DISTINCT apns_id) FROM push.outcome WHERE campaign_id = \(campaign)", as: Int64.self)
            #expect(traced == 60)
        }
    }
}
