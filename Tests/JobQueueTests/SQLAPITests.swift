import Foundation
import JobQueue
import PostgresNIO
import Testing
import TestSupport

@Suite struct SQLAPITests {
    @Test func registeringAgainUpdatesTheTimeAndReactivates() async throws {
        try await TestDatabase.withMigrated { client, _ in
            let db = QueueFixtures(client: client)
            try await db.makeApp()
            let first = try await db.scalar("SELECT push.register_token('demo', 'AABBCC')", as: Int64.self)
            try await client.execute(
                """
                UPDATE push.device_token SET status = 'disabled', disabled_at = now(), disabled_reason = 'gone',
                    last_registered_at = now() - interval '1 day'
                WHERE id = \(first)
                """, logger: db.logger)
            let second = try await db.scalar("SELECT push.register_token('demo', 'aabbcc')", as: Int64.self)
            #expect(second == first)
            let row = try await client.query(
                """
                SELECT status::text, disabled_at IS NULL, last_registered_at > now() - interval '1 minute'
                FROM push.device_token WHERE id = \(first)
                """, logger: db.logger)
            for try await (status, cleared, recent) in row.decode((String, Bool, Bool).self) {
                #expect(status == "active")
                #expect(cleared)
                #expect(recent)
            }
        }
    }

    @Test func refusalsNameTheProblem() async throws {
        try await TestDatabase.withMigrated { client, _ in
            let db = QueueFixtures(client: client)
            try await db.makeApp("legacy", transport: "binary")
            try await db.makeApp("modern", transport: "http2")
            let big = String(repeating: "x", count: 2100)
            let cases: [(PostgresQuery, String, String)] = [
                ("SELECT push.register_token('nope', 'aabb')", "PWA01", "unknown app 'nope'"),
                ("SELECT push.register_token('legacy', 'zz11')", "PWT01", "malformed hex token 'zz11'"),
                ("SELECT push.register_token('legacy', 'abc')", "PWT01", "malformed hex token 'abc'"),
                ("SELECT push.register_token('legacy', '')", "PWT02", "token length 0 bytes is outside 1..100 bytes"),
                ("SELECT push.register_token('legacy', \(String(repeating: "ab", count: 101)))", "PWT02",
                 "token length 101 bytes is outside 1..100 bytes"),
                ("SELECT push.create_campaign('nope', '{}')", "PWA01", "unknown app 'nope'"),
                ("SELECT push.create_campaign('legacy', '[1,2]')", "PWP01", "payload is not a JSON object: it is a JSON array"),
                ("SELECT push.create_campaign('legacy', '{oops')", "PWP01", "payload is not a JSON object: it is not valid JSON"),
                ("SELECT push.create_campaign('legacy', \("{\"a\":\"\(big)\"}"))", "PWP02",
                 "payload 2108 bytes exceeds the limit 2048 of transport binary"),
                ("SELECT push.create_campaign('modern', \("{\"a\":\"\(String(repeating: "x", count: 4100))\"}"))", "PWP02",
                 "payload 4108 bytes exceeds the limit 4096 of transport http2"),
                ("SELECT push.create_campaign('modern', \("{\"a\":\"\(String(repeating: "x", count: 5200))\"}"), push_type => 'voip')",
                 "PWP02", "payload 5208 bytes exceeds the limit 5120 of transport http2 (voip)"),
                ("SELECT push.create_campaign('legacy', '{}', apns_priority => 7)", "PWC03", "apns_priority 7 is not one of 10, 5, 1"),
                ("SELECT push.enqueue_campaign(424242)", "PWC01", "unknown campaign 424242"),
                ("SELECT push.cancel_campaign(424242)", "PWC01", "unknown campaign 424242"),
            ]
            for (query, state, message) in cases {
                let failure = await refusal { try await client.execute(query, logger: db.logger) }
                #expect(failure?.state == state, "\(message)")
                #expect(failure?.message.hasPrefix(message) == true, "got \(failure?.message ?? "no error"), want \(message)")
            }
            // A voip payload under 5120 bytes is fine on http2.
            _ = try await db.scalar(
                "SELECT push.create_campaign('modern', \("{\"a\":\"\(String(repeating: "x", count: 5000))\"}"), push_type => 'voip')",
                as: Int64.self)
        }
    }

    @Test func enqueueingTheSameTokenTwiceIsANoOp() async throws {
        try await TestDatabase.withMigrated { client, _ in
            let db = QueueFixtures(client: client)
            try await db.makeApp()
            try await db.registerTokens(count: 2500)
            let campaign = try await db.createCampaign()
            #expect(try await db.enqueueCampaign(campaign) == 2500)
            #expect(try await db.enqueueCampaign(campaign) == 0)
            let some = try await db.scalar(
                "SELECT push.enqueue_token_ids(\(campaign), ARRAY(SELECT id FROM push.device_token ORDER BY id LIMIT 10))",
                as: Int64.self)
            #expect(some == 0)
            let hex = try await db.scalar(
                "SELECT array_agg(encode(token, 'hex')) FROM (SELECT token FROM push.device_token LIMIT 5) t", as: [String].self)
            #expect(try await db.scalar("SELECT push.enqueue_tokens(\(campaign), \(hex))", as: Int64.self) == 0)
            // a brand-new token given by hex is registered and enqueued once, even if listed twice
            let added = try await db.scalar(
                "SELECT push.enqueue_tokens(\(campaign), ARRAY['00ff00ff', '00FF00FF'])", as: Int64.self)
            #expect(added == 1)
            let jobs = try await db.scalar(
                "SELECT sum(cardinality(token_ids))::bigint FROM push.job WHERE campaign_id = \(campaign)", as: Int64.self)
            #expect(jobs == 2501)
            let chunks = try await db.scalar(
                "SELECT array_agg(cardinality(token_ids) ORDER BY id) FROM push.job WHERE campaign_id = \(campaign)",
                as: [Int32].self)
            #expect(chunks == [1000, 1000, 500, 1])
            let total = try await db.scalar("SELECT total FROM push.campaign_progress WHERE campaign_id = \(campaign)",
                                            as: Int64.self)
            #expect(total == 2501)
        }
    }

    @Test func enqueueSkipsDisabledAndOtherAppsTokens() async throws {
        try await TestDatabase.withMigrated { client, _ in
            let db = QueueFixtures(client: client)
            try await db.makeApp("demo")
            try await db.makeApp("other")
            try await db.registerTokens(app: "demo", count: 10)
            try await db.registerTokens(app: "other", count: 10, salt: 100)
            try await client.execute(
                """
                UPDATE push.device_token SET status = 'disabled', disabled_at = now(), disabled_reason = 'test'
                WHERE id IN (SELECT id FROM push.device_token WHERE app_id = push.app_id('demo') ORDER BY id LIMIT 3)
                """, logger: db.logger)
            let campaign = try await db.createCampaign()
            let added = try await db.scalar(
                "SELECT push.enqueue_token_ids(\(campaign), ARRAY(SELECT id FROM push.device_token))", as: Int64.self)
            #expect(added == 7)
        }
    }

    @Test func oneNotifyPerEnqueueCall() async throws {
        try await TestDatabase.withMigrated { client, _ in
            let db = QueueFixtures(client: client)
            try await db.makeApp()
            try await db.registerTokens(count: 3000)
            let campaign = try await db.createCampaign()
            let payloads = try await client.withConnection { listener in
                try await listener.listen(on: WakeUpSource.channel) { notifications in
                    try await db.enqueueCampaign(campaign, chunkSize: 100)   // 30 jobs, one call
                    try await db.enqueueCampaign(campaign)                   // nothing new: no notify
                    try await client.execute(MarkerNotification.notifyDone, logger: db.logger)
                    var seen: [String] = []
                    for try await notification in notifications {
                        if notification.payload == "done" { break }
                        seen.append(notification.payload)
                    }
                    return seen
                }
            }
            #expect(payloads == ["\(campaign)"])
        }
    }
}

/// A marker NOTIFY sent after the calls under test: notifications arrive in commit order, so
/// everything before it belongs to those calls.
enum MarkerNotification {
    static let notifyDone: PostgresQuery = "SELECT pg_notify('push_jobs', 'done')"
}

@Suite struct FeedbackTests {
    @Test func invalidTokensAreDisabledUnlessRegisteredAgainLater() async throws {
        try await TestDatabase.withMigrated { client, _ in
            let db = QueueFixtures(client: client)
            let app = AppID(try await db.makeApp())
            let queue = db.queue("feedback")
            _ = try await db.scalar("SELECT push.register_token('demo', 'a1a1')", as: Int64.self)
            let past = Date(timeIntervalSinceNow: -3600)
            let future = Date(timeIntervalSinceNow: 3600)
            #expect(try await queue.recordTokenInvalid(app: app, token: [0xA1, 0xA1], invalidAt: past)
                    == "kept (registered again after it became invalid)")
            #expect(try await queue.recordTokenInvalid(app: app, token: [0xA1, 0xA1], invalidAt: future) == "disabled")
            #expect(try await queue.recordTokenInvalid(app: app, token: [0xA1, 0xA1], invalidAt: future) == "already disabled")
            #expect(try await queue.recordTokenInvalid(app: app, token: [0xFF], invalidAt: future) == "unknown token")
            #expect(try await db.scalar("SELECT count(*) FROM push.feedback_event", as: Int64.self) == 4)
            #expect(try await db.scalar("SELECT tokens FROM push.tokens_disabled", as: Int64.self) == 1)
        }
    }
}
