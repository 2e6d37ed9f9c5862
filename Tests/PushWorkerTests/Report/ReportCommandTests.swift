import ArgumentParser
import Foundation
import JobQueue
import Logging
import PostgresNIO
import Testing
import TestSupport

@testable import PushWorker

/// The command against a real database: what it loads and prints, and the live view's end.
@Suite struct ReportCommandTests {
    @Test func jsonOfAMixedCampaignCarriesTheLedgersNumbers() async throws {
        try await TestDatabase.withMigrated { client, url in
            let mixed = try await MixedCampaign.build(client: client)
            let command = try ReportCommand.parse([
                "--database-url", url.revealingPassword, "--campaign", "\(mixed.campaign.rawValue)", "--format", "json",
            ])
            let text = try await command.output(reports: DeliveryReports(client: client, logger: .quiet))
            let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            #expect(object["status"] as? String == "finished")
            #expect(object["total"] as? Int == Int(MixedCampaign.total))
            let outcomes = try #require(object["outcomes"] as? [String: Int])
            #expect(outcomes["accepted"] == Int(MixedCampaign.accepted))
            #expect(outcomes["rejected"] == Int(MixedCampaign.rejected))
            #expect(outcomes["failed"] == Int(MixedCampaign.failed))
            let rejections = try #require(object["rejections"] as? [[String: Any]])
            #expect(rejections.map { $0["tokens"] as? Int } == [2, 1, 1])
            #expect((object["tokens_disabled"] as? [String: Any])?["total"] as? Int == 2)
            let attempts = try #require(object["attempts"] as? [[String: Int]])
            #expect(attempts == MixedCampaign.attempts.map {
                ["attempt": $0.attempt, "tokens": Int($0.tokens), "accepted": Int($0.accepted)]
            })
            let latency = try #require(object["latency_s"] as? [String: Double])
            let (p50, p95, p99) = (try #require(latency["p50"]), try #require(latency["p95"]), try #require(latency["p99"]))
            #expect(p50 > 0 && p50 <= p95 && p95 <= p99)
        }
    }

    @Test func withoutACampaignTheTableListsRecentOnes() async throws {
        try await TestDatabase.withMigrated { client, url in
            let first = try await MixedCampaign.build(client: client, app: "first")
            let second = try await MixedCampaign.build(client: client, app: "second")
            let reports = DeliveryReports(client: client, logger: .quiet)
            let table = try await ReportCommand.parse(["--database-url", url.revealingPassword])
                .output(reports: reports)
            let lines = table.split(separator: "\n")
            #expect(lines.count == 3)
            #expect(lines[1].hasPrefix("       \(second.campaign.rawValue)  second"))
            #expect(lines[2].hasPrefix("       \(first.campaign.rawValue)  first "))
            let csv = try await ReportCommand.parse(["--database-url", url.revealingPassword, "--format", "csv", "--limit", "1"])
                .output(reports: reports)
            #expect(csv.hasPrefix("campaign_id,section,key,code,value\r\n\(second.campaign.rawValue),campaign,app,,second\r\n"))
            #expect(!csv.contains("\r\n\(first.campaign.rawValue),"))
        }
    }

    @Test func anUnknownCampaignIsAnError() async throws {
        try await TestDatabase.withMigrated { client, url in
            let command = try ReportCommand.parse(["--database-url", url.revealingPassword, "--campaign", "424242"])
            await #expect {
                _ = try await command.output(reports: DeliveryReports(client: client, logger: .quiet))
            } throws: { error in
                "\(error)" == "report failed: no campaign 424242"
            }
        }
    }

    @Test func watchNeedsACampaign() {
        #expect(throws: (any Error).self) {
            try ReportCommand.parse(["--database-url", "postgres://u@h/d", "--watch"])
        }
        #expect(throws: (any Error).self) {
            try ReportCommand.parse(["--database-url", "postgres://u@h/d", "--statement-timeout", "0"])
        }
    }

    @Test func watchFollowsTheCampaignUntilItFinishes() async throws {
        try await TestDatabase.withMigrated { client, _ in
            try await client.execute(
                "INSERT INTO push.app (name, topic, certificate_path) VALUES ('watched', 'com.example.w', '/dev/null')",
                logger: .quiet)
            try await client.execute(
                """
                INSERT INTO push.device_token (app_id, token)
                SELECT push.app_id('watched'), decode(md5(i::text) || md5((-i)::text), 'hex') FROM generate_series(1, 40) AS i
                """, logger: .quiet)
            var campaign: Int64 = 0
            for try await id in try await client.query(
                "SELECT push.create_campaign('watched', '{\"aps\":{}}')", logger: .quiet).decode(Int64.self) {
                campaign = id
            }
            try await client.execute("SELECT push.enqueue_campaign(\(campaign), 10)", logger: .quiet)
            let watcher = CampaignWatcher(reports: DeliveryReports(client: client, logger: .quiet),
                                          campaign: CampaignID(campaign), interval: .milliseconds(20))
            let queue = JobQueue(client: client, worker: WorkerID("watch-test"), logger: .quiet)

            async let watched: (CampaignProgress, [String]) = {
                var display = WatchDisplay(isTerminal: false)
                var lines: [String] = []
                let last = try await watcher.run(display: &display) { lines.append($0) }
                return (last, lines)
            }()
            // Finish the campaign one job at a time while the watcher polls.
            for _ in 1...4 {
                let job = try #require(try await queue.claim(limit: 1).first)
                try await queue.complete([JobReport(job: job, allOutcomes: .accepted)])
            }
            let (last, lines) = try await watched
            #expect(last.status == .finished)
            #expect(last.done == 40)
            #expect(lines.last?.hasPrefix("campaign \(campaign) [##############################]  100.0%  40 of 40") == true)
            #expect(lines.last?.hasSuffix("finished\n") == true)
            #expect(lines.allSatisfy { $0.hasSuffix("\n") && !$0.contains("\r") })
        }
    }
}
