import ArgumentParser
import Foundation
import JobQueue
import Logging
import PostgresNIO
import Testing
import TestSupport

@testable import PushWorker

@Suite struct PruneCommandTests {
    @Test func prunesACampaignFinishedLongAgoAndKeepsARecentOne() async throws {
        try await TestDatabase.withMigrated { client, url in
            let logger = Logger.quiet
            try await client.execute(
                """
                INSERT INTO push.app (name, topic, certificate_path) VALUES ('shop', 'com.example.shop', '/dev/null');
                """, logger: logger)
            try await client.execute(
                """
                INSERT INTO push.device_token (app_id, token)
                SELECT push.app_id('shop'), decode(md5(i::text) || md5((-i)::text), 'hex') FROM generate_series(1, 30) AS i
                """, logger: logger)
            var campaigns: [Int64] = []
            for _ in 0..<2 {
                for try await id in try await client.query(
                    "SELECT push.create_campaign('shop', '{\"aps\":{}}')", logger: logger).decode(Int64.self) {
                    campaigns.append(id)
                    try await client.execute("SELECT push.enqueue_campaign(\(id), 10)", logger: logger)
                }
            }
            let queue = JobQueue(client: client, worker: WorkerID("w"), logger: logger)
            while true {
                let jobs = try await queue.claim(limit: 10)
                if jobs.isEmpty { break }
                try await queue.complete(jobs.map { JobReport(job: $0, allOutcomes: .accepted) })
            }
            // The first campaign finished 40 days ago, the second just now.
            try await client.execute(
                """
                UPDATE push.campaign SET created_at = now() - interval '41 days', send_at = now() - interval '41 days'
                WHERE id = \(campaigns[0])
                """, logger: logger)
            try await client.execute(
                "UPDATE push.outcome SET recorded_at = now() - interval '40 days' WHERE campaign_id = \(campaigns[0])",
                logger: logger)

            let command = try PruneCommand.parse(
                ["--database-url", url.revealingPassword, "--older-than", "30d", "--batch-size", "4"])
            try await command.run()

            var left: [Int64: Int64] = [:]
            for try await (campaign, outcomes) in try await client.query(
                "SELECT c.id, (SELECT count(*) FROM push.outcome o WHERE o.campaign_id = c.id) FROM push.campaign c",
                logger: logger).decode((Int64, Int64).self) {
                left[campaign] = outcomes
            }
            #expect(left == [campaigns[1]: 30])
        }
    }

    @Test func refusesAnAgeItCannotRead() {
        for age in ["30", "thirty days", "0d", "400d"] {
            #expect(throws: (any Error).self, "\(age)") {
                try PruneCommand.parse(["--database-url", "postgres://u@h/d", "--older-than", age])
            }
        }
        #expect(throws: (any Error).self) {
            try PruneCommand.parse(["--database-url", "postgres://u@h/d"])
        }
    }

    @Test func theScriptLineCarriesEveryCount() {
        var result = PruneResult()
        result.campaigns = 2
        result.recipients = 2_000
        result.outcomes = 2_000
        result.feedbackEvents = 5
        result.workers = 1
        result.batches = 14
        let lines = PruneCommand.summary(
            result, olderThan: RepeatInterval(argument: "30d")!, cutoff: Date(timeIntervalSince1970: 0), seconds: 1.5)
        #expect(lines.last == "prune campaigns=2 recipients=2000 outcomes=2000 feedback_events=5 workers=1 batches=14 seconds=1.50")
        #expect(lines.first?.hasPrefix("pruned 2 campaigns finished before 1970-01-01 00:00:00Z (older than 30d)") == true)
    }
}
