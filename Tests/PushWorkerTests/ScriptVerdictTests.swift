import Foundation
import JobQueue
import MockGateway
import PostgresNIO
import Testing
import TestSupport

/// `scripts/verdict` against hand-made outcome rows and a hand-written gateway ledger: each
/// category is produced once on purpose and must be counted exactly.
@Suite struct ScriptVerdictTests {
    /// A non-ASCII payload: the SQL FNV-1a must hash the same bytes the gateway's does.
    static let payload = #"{"aps":{"alert":"héllo ✓"}}"#

    /// The detail counts that name a disagreement between the two ledgers.
    static let disagreements: Set<String> = [
        "accepted_not_in_ledger", "rejected_invalid_not_listed", "missing_outcome", "extra_outcome_rows",
        "ledger_foreign", "ledger_lines",
    ]

    /// Token `i` of the fixture, as lowercase hex (32 bytes).
    static func token(_ index: Int) -> String {
        String(repeating: String(format: "%02x", index), count: 32)
    }

    /// One ledger line as the mock gateway writes it.
    static func ledgerLine(token index: Int, payload: String = payload, connection: Int = 1) -> String {
        let bytes = Array(payload.utf8)
        let digest = String(LedgerEntry.digest(ofPayload: bytes), radix: 16)
        let padded = String(repeating: "0", count: 16 - digest.count) + digest
        return "\(connection)\t2\t\(index)\t\(token(index))\t\(bytes.count)\t\(padded)\n"
    }

    struct Fixture {
        let client: PostgresClient
        let folder: URL

        /// App "v" with tokens 1...count, one campaign with all of them enqueued (jobs removed:
        /// the outcome rows below are written by hand).
        func campaign(tokens count: Int, payload: String = ScriptVerdictTests.payload) async throws -> Int64 {
            try await client.execute(
                """
                INSERT INTO push.app (name, topic, certificate_path) VALUES ('v', 'com.example.v', '/dev/null')
                ON CONFLICT (name) DO NOTHING
                """, logger: .quiet)
            let tokens = (1...count).map(ScriptVerdictTests.token)
            try await client.execute("SELECT push.register_tokens('v', \(tokens))", logger: .quiet)
            var campaign: Int64 = 0
            for try await id in try await client.query("SELECT push.create_campaign('v', \(payload))", logger: .quiet)
                .decode(Int64.self) { campaign = id }
            try await client.execute("SELECT push.enqueue_campaign(\(campaign))", logger: .quiet)
            try await client.execute("DELETE FROM push.job WHERE campaign_id = \(campaign)", logger: .quiet)
            return campaign
        }

        /// Records an outcome row for token `index` of the campaign.
        func record(_ campaign: Int64, token index: Int, kind: String, code: Int32? = nil) async throws {
            try await client.execute(
                """
                INSERT INTO push.outcome (campaign_id, token_id, job_id, attempt, kind, code)
                SELECT \(campaign), t.id, 1, 1, \(kind)::push.outcome_kind, \(code)
                FROM push.device_token t WHERE t.token = decode(\(ScriptVerdictTests.token(index)), 'hex')
                """, logger: .quiet)
        }

        func write(_ name: String, _ text: String) throws -> String {
            let url = folder.appendingPathComponent(name)
            try Data(text.utf8).write(to: url)
            return url.path
        }
    }

    func withFixture(_ body: (Fixture, DatabaseURL) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("verdict-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try await TestDatabase.withMigrated { client, url in
            try await body(Fixture(client: client, folder: folder), url)
        }
    }

    @Test func countsEveryKindOfDisagreement() async throws {
        try await withFixture { fixture, url in
            let campaign = try await fixture.campaign(tokens: 10)
            for index in [1, 2, 3, 4, 6, 7] { try await fixture.record(campaign, token: index, kind: "accepted") }
            try await fixture.record(campaign, token: 5, kind: "accepted")
            try await fixture.record(campaign, token: 5, kind: "accepted")  // recorded twice
            try await fixture.record(campaign, token: 8, kind: "rejected", code: 8)  // not on the invalid list
            try await fixture.record(campaign, token: 10, kind: "rejected", code: 8)  // on it
            // token 9: no outcome at all; token 7: accepted in the database, absent from the ledger;
            // token 2: accepted twice by the gateway; one line for a token nobody enqueued.
            let ledger = [1, 2, 3, 4, 5, 6, 2].map { Self.ledgerLine(token: $0) }.joined()
                + Self.ledgerLine(token: 200, connection: 2)
            let verdict = try ScriptVerdict.judge(
                database: url, ledger: try fixture.write("ledger.tsv", ledger),
                invalidTokens: try fixture.write("invalid.txt", "# status 8\n\(Self.token(10))  # ten\n"),
                campaigns: [campaign])
            #expect(verdict.line == "verdict accepted=6 rejected=2 lost=2 duplicates=1 unaccounted=2")
            #expect(verdict.exitStatus == 1)
            #expect(verdict.detail.filter { Self.disagreements.contains($0.key) } == [
                "accepted_not_in_ledger": 1, "rejected_invalid_not_listed": 1, "missing_outcome": 1,
                "extra_outcome_rows": 1, "ledger_foreign": 1, "ledger_lines": 8,
            ])
        }
    }

    @Test func anHTTP2UnregisteredOffTheInvalidListIsLostOthersAreNot() async throws {
        try await withFixture { fixture, url in
            let campaign = try await fixture.campaign(tokens: 3)
            try await fixture.record(campaign, token: 1, kind: "rejected", code: 410)  // not on the invalid list
            try await fixture.record(campaign, token: 2, kind: "rejected", code: 410)  // on it
            try await fixture.record(campaign, token: 3, kind: "rejected", code: 400)  // BadDeviceToken: not the list's business
            let verdict = try ScriptVerdict.judge(
                database: url, ledger: try fixture.write("ledger.tsv", ""),
                invalidTokens: try fixture.write("invalid.txt", "\(Self.token(2))\n"),
                campaigns: [campaign])
            #expect(verdict.line == "verdict accepted=0 rejected=3 lost=1 duplicates=0 unaccounted=0")
            #expect(verdict.detail["rejected_invalid"] == 2 && verdict.detail["rejected_invalid_not_listed"] == 1, "\(verdict)")
        }
    }

    @Test func cleanCampaignPassesAndDeliveredButFailedIsReportedNotLost() async throws {
        try await withFixture { fixture, url in
            let campaign = try await fixture.campaign(tokens: 4)
            try await fixture.record(campaign, token: 1, kind: "accepted")
            try await fixture.record(campaign, token: 2, kind: "accepted")
            try await fixture.record(campaign, token: 3, kind: "rejected", code: 8)
            try await fixture.record(campaign, token: 4, kind: "failed")  // the gateway did take one attempt
            let ledger = [1, 2, 4].map { Self.ledgerLine(token: $0) }.joined()
            let verdict = try ScriptVerdict.judge(
                database: url, ledger: try fixture.write("ledger.tsv", ledger),
                invalidTokens: try fixture.write("invalid.txt", Self.token(3) + "\n"), campaigns: [campaign])
            #expect(verdict.line == "verdict accepted=2 rejected=1 lost=0 duplicates=0 unaccounted=0")
            #expect(verdict.exitStatus == 0)
            #expect(verdict.detail["failed"] == 1)
            #expect(verdict.detail["delivered_unrecorded"] == 1)
        }
    }

    @Test func ledgerLinesOfAnotherPayloadBelongToNoCampaign() async throws {
        try await withFixture { fixture, url in
            let campaign = try await fixture.campaign(tokens: 2)
            try await fixture.record(campaign, token: 1, kind: "accepted")
            try await fixture.record(campaign, token: 2, kind: "accepted")
            let ledger = Self.ledgerLine(token: 1) + Self.ledgerLine(token: 2, payload: #"{"aps":{}}"#)
            let verdict = try ScriptVerdict.judge(
                database: url, ledger: try fixture.write("ledger.tsv", ledger), campaigns: [campaign])
            #expect(verdict.lost == 1)
            #expect(verdict.detail["ledger_foreign"] == 1)
            #expect(verdict.exitStatus == 1)
        }
    }

    @Test func refusesCampaignsTheLedgerCannotTellApart() async throws {
        try await withFixture { fixture, url in
            _ = try await fixture.campaign(tokens: 1)
            _ = try await fixture.campaign(tokens: 1)
            let ledger = try fixture.write("ledger.tsv", Self.ledgerLine(token: 1))
            let error = #expect(throws: ScriptVerdictError.self) {
                try ScriptVerdict.judge(database: url, ledger: ledger)
            }
            #expect(error?.exitStatus == 2)
            #expect(error?.output.contains("have the same payload") == true)
        }
    }
}
