import Foundation
import PostgresNIO
import Testing
import TestSupport

@testable import JobQueue

/// `JobQueue.recordInvalidTokens` over `push.record_feedback_batch` (migration 005).
@Suite struct FeedbackBatchTests {
    static let hour: TimeInterval = 3600

    @Test func disablesOnlyTokensNotRegisteredAgainAndCountsEachCase() async throws {
        try await TestDatabase.withMigrated { client, _ in
            let db = QueueFixtures(client: client)
            let app = AppID(try await db.makeApp())
            let queue = db.queue("feedback")
            for hex in ["a1a1", "b2b2", "c3c3"] {
                _ = try await db.scalar("SELECT push.register_token('demo', \(hex))", as: Int64.self)
            }
            _ = try await db.scalar(
                "SELECT count(*) FROM (SELECT push.record_feedback(\(app.rawValue), '\\xc3c3'::bytea, now() + interval '1 hour')) x",
                as: Int64.self)
            let reports = [
                InvalidTokenReport(token: [0xA1, 0xA1], invalidAt: Date(timeIntervalSinceNow: Self.hour)),   // disabled
                InvalidTokenReport(token: [0xB2, 0xB2], invalidAt: Date(timeIntervalSinceNow: -Self.hour)),  // kept
                InvalidTokenReport(token: [0xC3, 0xC3], invalidAt: Date(timeIntervalSinceNow: 2 * Self.hour)), // already disabled
                InvalidTokenReport(token: [0xFF], invalidAt: Date(timeIntervalSinceNow: Self.hour)),         // unknown
            ]
            let tally = try await queue.recordInvalidTokens(app: app, reports: reports)
            var expected = FeedbackTally()
            expected.read = 4
            expected.disabled = 1
            expected.kept = 1
            expected.alreadyDisabled = 1
            expected.unknown = 1
            #expect(tally == expected)
            let statuses = try await Self.statuses(db)
            #expect(statuses == ["a1a1": "disabled", "b2b2": "active", "c3c3": "disabled"])
            #expect(try await db.scalar("SELECT count(*) FROM push.feedback_event", as: Int64.self) == 5)
            #expect(try await db.scalar(
                "SELECT disabled_reason FROM push.device_token WHERE token = '\\xa1a1'", as: String.self)
                == "reported invalid by the feedback service")
        }
    }

    @Test func aSecondRunWithTheSameReportsChangesNothing() async throws {
        try await TestDatabase.withMigrated { client, _ in
            let db = QueueFixtures(client: client)
            let app = AppID(try await db.makeApp())
            let queue = db.queue("feedback")
            for hex in ["a1a1", "b2b2"] {
                _ = try await db.scalar("SELECT push.register_token('demo', \(hex))", as: Int64.self)
            }
            let reports = [
                InvalidTokenReport(token: [0xA1, 0xA1], invalidAt: Date(timeIntervalSinceNow: Self.hour)),
                InvalidTokenReport(token: [0xB2, 0xB2], invalidAt: Date(timeIntervalSinceNow: -Self.hour)),
                InvalidTokenReport(token: [0xFF], invalidAt: Date(timeIntervalSinceNow: Self.hour)),
            ]
            _ = try await queue.recordInvalidTokens(app: app, reports: reports)
            let eventsAfterFirst = try await db.scalar("SELECT count(*) FROM push.feedback_event", as: Int64.self)
            let disabledAtFirst = try await db.scalar(
                "SELECT disabled_at FROM push.device_token WHERE token = '\\xa1a1'", as: Date.self)
            let second = try await queue.recordInvalidTokens(app: app, reports: reports)
            var expected = FeedbackTally()
            expected.read = 3
            expected.repeated = 3
            #expect(second == expected)
            #expect(try await db.scalar("SELECT count(*) FROM push.feedback_event", as: Int64.self) == eventsAfterFirst)
            #expect(try await db.scalar(
                "SELECT disabled_at FROM push.device_token WHERE token = '\\xa1a1'", as: Date.self) == disabledAtFirst)
            #expect(try await Self.statuses(db) == ["a1a1": "disabled", "b2b2": "active"])
        }
    }

    @Test func chunksAndRepeatsWithinOneListAddUp() async throws {
        try await TestDatabase.withMigrated { client, _ in
            let db = QueueFixtures(client: client)
            let app = AppID(try await db.makeApp())
            let queue = db.queue("feedback")
            try await db.registerTokens(count: 5)
            let tokens = try await Self.tokens(db)
            let later = Date(timeIntervalSinceNow: Self.hour)
            // Five tokens, the first reported twice with the same time: seven reports in chunks of two.
            let reports = tokens.map { InvalidTokenReport(token: $0, invalidAt: later) }
                + [InvalidTokenReport(token: tokens[0], invalidAt: later)]
                + [InvalidTokenReport(token: tokens[1], invalidAt: later.addingTimeInterval(60))]
            let tally = try await queue.recordInvalidTokens(app: app, reports: reports, chunkSize: 2)
            #expect(tally.read == 7)
            #expect(tally.disabled == 5)
            #expect(tally.alreadyDisabled == 1)
            #expect(tally.repeated == 1)
            #expect(try await db.scalar("SELECT count(*) FROM push.device_token WHERE status = 'disabled'", as: Int64.self) == 5)
        }
    }

    @Test func twoRunsAtOnceRecordEachReportOnce() async throws {
        try await TestDatabase.withMigrated { client, _ in
            let db = QueueFixtures(client: client)
            let app = AppID(try await db.makeApp())
            try await db.registerTokens(count: 2_000)
            let later = Date(timeIntervalSinceNow: Self.hour)
            // Unknown tokens first (no row to lock: only the per-app advisory lock keeps two runs
            // from recording them twice), then 2,000 known ones.
            let unknown = (0..<1_000).map { [UInt8](repeating: 0xEE, count: 30) + [UInt8($0 / 256), UInt8($0 % 256)] }
            let reports = (unknown + (try await Self.tokens(db))).map { InvalidTokenReport(token: $0, invalidAt: later) }
            async let first = db.queue("feedback-a").recordInvalidTokens(app: app, reports: reports, chunkSize: 500)
            async let second = db.queue("feedback-b").recordInvalidTokens(app: app, reports: reports, chunkSize: 500)
            let (a, b) = try await (first, second)
            #expect(a.disabled + b.disabled == 2_000)
            #expect(a.unknown + b.unknown == 1_000)
            #expect(a.repeated + b.repeated == 3_000)
            #expect(a.alreadyDisabled + b.alreadyDisabled == 0)
            #expect(try await db.scalar("SELECT count(*) FROM push.feedback_event", as: Int64.self) == 3_000)
        }
    }

    @Test func arraysOfDifferentLengthsAreRefused() async throws {
        try await TestDatabase.withMigrated { client, _ in
            let db = QueueFixtures(client: client)
            let app = try await db.makeApp()
            let refused = await refusal {
                _ = try await db.scalar(
                    "SELECT count(*) FROM push.record_feedback_batch(\(app), ARRAY['\\x01'::bytea], ARRAY[]::timestamptz[])",
                    as: Int64.self)
            }
            #expect(refused?.state == "PWF01")
        }
    }

    static func statuses(_ db: QueueFixtures) async throws -> [String: String] {
        let rows = try await db.client.query(
            "SELECT encode(token, 'hex'), status::text FROM push.device_token", logger: .quiet)
        var statuses: [String: String] = [:]
        for try await (token, status) in rows.decode((String, String).self) {
            statuses[token] = status
        }
        return statuses
    }

    static func tokens(_ db: QueueFixtures) async throws -> [[UInt8]] {
        let rows = try await db.client.query("SELECT token FROM push.device_token ORDER BY id", logger: .quiet)
        var tokens: [[UInt8]] = []
        for try await token in rows.decode(ByteBuffer.self) {
            tokens.append(Array(token.readableBytesView))
        }
        return tokens
    }
}
