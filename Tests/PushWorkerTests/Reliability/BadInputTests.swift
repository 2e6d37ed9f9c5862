import Foundation
import JobQueue
import PostgresNIO
import Testing
import TestSupport

/// Reliability scenario 6: every bad input of ``BadInputCorpus`` gets its documented error, word
/// for word — from the SQL API (SQLSTATE and message), or recorded by the worker against the app
/// (`push.app.credential_error`) or the token (`push.outcome`) — and a healthy campaign sent by
/// the same worker beside them is unaffected.
@Suite("Reliability: bad input", .serialized)
struct BadInputTests {
    @Test("the SQL API refuses each bad input with its documented SQLSTATE and message")
    func sqlAPIRefusals() async throws {
        try await WorkerHarness.with { harness in
            try await harness.makeApp("healthy")
            let setting = try await Self.setting(harness)
            for call in BadInputCorpus.refusedCalls {
                let refusal = try await Self.refusal(of: call.statement(setting), on: harness)
                #expect(refusal?.sqlState == call.sqlState, "\(call.input): \(String(describing: refusal))")
                #expect(refusal?.message == call.message(setting), "\(call.input): \(String(describing: refusal))")
            }
            // A refused call changes nothing: no token, campaign or job came of them.
            #expect(try await harness.scalar("SELECT count(*) FROM push.device_token", as: Int64.self) == 0)
            #expect(try await harness.scalar("SELECT count(*) FROM push.campaign", as: Int64.self) == 2)
            #expect(try await harness.scalar("SELECT count(*) FROM push.job", as: Int64.self) == 0)
        }
    }

    @Test("bad apps and campaigns get their recorded errors and never stop the worker; the healthy campaign beside them is sent whole")
    func workerRecordsEachBadInput() async throws {
        try await WorkerHarness.with { harness in
            let pki = harness.pki
            let missingFile = pki.directory + "/missing-client.p12"
            try await harness.makeApp("healthy")
            try await Self.insertApp("wrongpass", certificate: pki.files.clientPKCS12, passphraseEnv: "BAD_INPUT_WRONG_PASS", harness)
            try await Self.insertApp("nocert", certificate: missingFile, passphraseEnv: WorkerHarness.passphraseVariable, harness)

            let healthyTokens = (0..<3_000).map { WorkerHarness.token($0, salt: 60) }
            let healthy = try await harness.enqueueCampaign(app: "healthy", tokens: healthyTokens)
            let wrongPass = try await harness.enqueueCampaign(app: "wrongpass", tokens: (0..<100).map { WorkerHarness.token($0, salt: 61) })
            let noCert = try await harness.enqueueCampaign(app: "nocert", tokens: (0..<100).map { WorkerHarness.token($0, salt: 62) })
            let shortTokens = (0..<5).map { Array(WorkerHarness.token($0, salt: 63).prefix(16)) }
            let wrongSize = try await harness.enqueueCampaign(app: "healthy", tokens: shortTokens)
            let expired = try await Self.expiredCampaign(tokens: (0..<200).map { WorkerHarness.token($0, salt: 64) }, harness)
            let cancelled = try await harness.enqueueCampaign(app: "healthy", tokens: (0..<200).map { WorkerHarness.token($0, salt: 65) })
            #expect(try await harness.scalar("SELECT push.cancel_campaign(\(cancelled))", as: Int64.self) == 200)

            var settings = harness.settings()
            settings.environment["BAD_INPUT_WRONG_PASS"] = "not the passphrase"
            try await harness.runUntilIdle(settings: settings)

            // The healthy campaign: every token accepted once, the gateway's ledger agrees.
            let healthyOutcomes = try await harness.outcomes(campaign: healthy)
            #expect(healthyOutcomes.count == healthyTokens.count)
            #expect(healthyOutcomes.values.allSatisfy { $0.map(\.kind) == ["accepted"] })
            let verdict = try harness.verdict(campaigns: [healthy])
            #expect(verdict.accepted == healthyTokens.count && verdict.lost == 0, "\(verdict)")
            #expect(verdict.duplicates == 0 && verdict.unaccounted == 0, "\(verdict)")

            // Credentials: recorded against the app, word for word; nothing sent or recorded for
            // its tokens, its jobs wait with no attempt counted.
            let wrongPassError = try await Self.credentialError("wrongpass", harness)
            #expect(wrongPassError == BadInputCorpus.Recorded.wrongPassphrase(app: "wrongpass", bundle: pki.files.clientPKCS12))
            #expect(!wrongPassError.contains("not the passphrase"))
            #expect(try await Self.credentialError("nocert", harness)
                == BadInputCorpus.Recorded.missingCertificate(app: "nocert", file: missingFile))
            for campaign in [wrongPass, noCert] {
                #expect(try await harness.outcomes(campaign: campaign).isEmpty)
                #expect(try await Self.waitingUnattempted(campaign, harness) == 100)
            }
            #expect(try await Self.credentialError("healthy", harness).isEmpty)

            // Tokens and campaigns: recorded per token, with the documented kind and reason.
            let wrongSizeRows = try await Self.outcomeRows(campaign: wrongSize, harness)
            let expected = BadInputCorpus.Recorded.wrongSizeToken
            #expect(wrongSizeRows.count == shortTokens.count)
            #expect(wrongSizeRows.allSatisfy { $0.kind == expected.kind && $0.code == expected.code && $0.reason == expected.reason },
                    "\(wrongSizeRows)")
            #expect(try await harness.scalar(
                "SELECT count(*) FROM push.device_token WHERE status = 'disabled' AND disabled_reason = \(expected.disabledReason)",
                as: Int64.self) == Int64(shortTokens.count))
            let expiredRows = try await Self.outcomeRows(campaign: expired, harness)
            #expect(expiredRows.count == 200)
            #expect(expiredRows.allSatisfy { $0.kind == "expired" && $0.reason == BadInputCorpus.Recorded.expired }, "\(expiredRows.prefix(3))")
            let cancelledRows = try await Self.outcomeRows(campaign: cancelled, harness)
            #expect(cancelledRows.count == 200)
            #expect(cancelledRows.allSatisfy { $0.kind == "cancelled" && $0.reason == BadInputCorpus.Recorded.cancelled },
                    "\(cancelledRows.prefix(3))")
            // None of the bad ones reached the gateway.
            try harness.gateway.flushLedger()
            let ledger = try String(contentsOfFile: harness.ledgerPath, encoding: .utf8)
            #expect(ledger.split(separator: "\n").count == healthyTokens.count)
        }
    }

    // MARK: Steps

    /// A live and a cancelled campaign of app `healthy`, for the cases that name one.
    static func setting(_ harness: WorkerHarness) async throws -> BadInputCorpus.Setting {
        let payload = #"{"aps":{"alert":"bad input"}}"#
        let open = try await harness.scalar("SELECT push.create_campaign('healthy', \(payload))", as: Int64.self)
        let cancelled = try await harness.scalar("SELECT push.create_campaign('healthy', \(payload))", as: Int64.self)
        _ = try await harness.scalar("SELECT push.cancel_campaign(\(cancelled))", as: Int64.self)
        return BadInputCorpus.Setting(cancelledCampaign: cancelled, openCampaign: open)
    }

    /// The server's SQLSTATE and message when `query` fails; `nil` when it succeeds.
    static func refusal(of query: PostgresQuery, on harness: WorkerHarness) async throws -> (sqlState: String?, message: String?)? {
        do {
            _ = try await harness.client.query(query, logger: harness.logger).collect()
            return nil
        } catch let error as PSQLError {
            return (error.serverInfo?[.sqlState], error.serverInfo?[.message])
        }
    }

    static func insertApp(_ name: String, certificate: String, passphraseEnv: String, _ harness: WorkerHarness) async throws {
        try await harness.client.execute(
            """
            INSERT INTO push.app (name, topic, gateway_host, gateway_port, certificate_path, passphrase_env, ca_file)
            VALUES (\(name), 'com.example.pushworker', '127.0.0.1', \(Int32(harness.gateway.gatewayPort)),
                    \(certificate), \(passphraseEnv), \(harness.pki.files.caCertificate))
            """, logger: harness.logger)
    }

    /// A campaign of app `healthy` that expired a minute ago, enqueued to `tokens`.
    static func expiredCampaign(tokens: [[UInt8]], _ harness: WorkerHarness) async throws -> Int64 {
        let hex = tokens.map(WorkerHarness.hex)
        try await harness.client.execute("SELECT push.register_tokens('healthy', \(hex))", logger: harness.logger)
        let campaign = try await harness.scalar(
            #"SELECT push.create_campaign('healthy', '{"aps":{"alert":"too late"}}', expires_at => now() - interval '1 minute')"#,
            as: Int64.self)
        _ = try await harness.scalar("SELECT push.enqueue_tokens(\(campaign), \(hex), 100)", as: Int64.self)
        return campaign
    }

    static func credentialError(_ app: String, _ harness: WorkerHarness) async throws -> String {
        try await harness.scalar("SELECT coalesce(credential_error, '') FROM push.app WHERE name = \(app)", as: String.self)
    }

    static func waitingUnattempted(_ campaign: Int64, _ harness: WorkerHarness) async throws -> Int64 {
        try await harness.scalar(
            """
            SELECT coalesce(sum(cardinality(token_ids)), 0)::bigint FROM push.job
            WHERE campaign_id = \(campaign) AND state = 'available' AND attempt = 0
            """, as: Int64.self)
    }

    struct OutcomeRow: Sendable, CustomStringConvertible {
        var kind: String
        var code: Int32?
        var reason: String?
        var description: String { "\(kind)/\(code.map(String.init) ?? "-")/\(reason ?? "NULL")" }
    }

    static func outcomeRows(campaign: Int64, _ harness: WorkerHarness) async throws -> [OutcomeRow] {
        let rows = try await harness.client.query(
            "SELECT kind::text, code, reason FROM push.outcome WHERE campaign_id = \(campaign)", logger: harness.logger)
        var result: [OutcomeRow] = []
        for try await (kind, code, reason) in rows.decode((String, Int32?, String?).self) {
            result.append(OutcomeRow(kind: kind, code: code, reason: reason))
        }
        return result
    }
}
