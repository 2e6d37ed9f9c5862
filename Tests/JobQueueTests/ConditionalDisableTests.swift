import Foundation
import JobQueue
import PostgresNIO
import Testing
import TestSupport

/// An HTTP/2 410 carries the time APNs found the token invalid: the token is disabled only if the
/// app did not register it again after that time (the feedback service's rule, per response).
@Suite struct ConditionalDisableTests {
    @Test func aTokenRegisteredAgainAfterTheTimestampIsKept() async throws {
        try await TestDatabase.withMigrated { client, _ in
            let db = QueueFixtures(client: client)
            _ = try await db.enqueuedCampaign(tokens: 3)
            let queue = db.queue("w1")
            let job = try #require(try await queue.claim(limit: 1).first)
            let ids = job.recipients.map(\.tokenID.rawValue)
            // Registered two hours ago, ten minutes ago (after APNs' timestamp, before the claim),
            // and two hours ago.
            for (id, age) in [(ids[0], "2 hours"), (ids[1], "10 minutes"), (ids[2], "2 hours")] {
                _ = try await db.scalar(
                    "UPDATE push.device_token SET last_registered_at = now() - \(age)::interval WHERE id = \(id) RETURNING id",
                    as: Int64.self)
            }
            let invalidSince = Date().addingTimeInterval(-3_600)
            var report = JobReport(job: job)
            report.record(.rejected(code: 410, reason: "Unregistered", disableToken: "Unregistered (410)", invalidSince: invalidSince),
                          forRecipientAt: 0)
            report.record(.rejected(code: 410, reason: "Unregistered", disableToken: "Unregistered (410)", invalidSince: invalidSince),
                          forRecipientAt: 1)
            report.record(.rejected(code: 400, reason: "BadDeviceToken", disableToken: "BadDeviceToken (400)"), forRecipientAt: 2)
            let result = try await queue.complete([report])
            #expect(result.tokensDisabled == 2)
            for (id, expected) in [(ids[0], "disabled"), (ids[1], "active"), (ids[2], "disabled")] {
                let status = try await db.scalar("SELECT status::text FROM push.device_token WHERE id = \(id)", as: String.self)
                #expect(status == expected, "token \(id)")
            }
            let reasons = try await db.scalar(
                "SELECT string_agg(reason, ',' ORDER BY token_id) FROM push.outcome WHERE job_id = \(job.id.rawValue)", as: String.self)
            #expect(reasons == "Unregistered,Unregistered,BadDeviceToken")
        }
    }
}
