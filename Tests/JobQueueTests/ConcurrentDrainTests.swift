import Foundation
import JobQueue
import PostgresNIO
import Testing
import TestSupport

@Suite struct ConcurrentDrainTests {
    /// Eight claimers on their own connections drain 200,000 tokens: each token gets exactly one
    /// ledger row and every job is claimed by exactly one claimer.
    @Test func eightClaimersDrainEveryTokenExactlyOnce() async throws {
        try await TestDatabase.withMigrated(maximumConnections: 12) { client, _ in
            let db = QueueFixtures(client: client)
            try await db.makeApp()
            try await db.registerTokens(count: 200_000)
            let campaign = try await db.createCampaign()
            #expect(try await db.enqueueCampaign(campaign) == 200_000)
            let perClaimer = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
                for claimer in 0..<8 {
                    group.addTask {
                        let queue = db.queue("claimer-\(claimer)")
                        var jobs = 0
                        var tokens = 0
                        while true {
                            let claimed = try await queue.claim(limit: 4)
                            if claimed.isEmpty { break }
                            jobs += claimed.count
                            tokens += claimed.reduce(0) { $0 + $1.recipients.count }
                            try await queue.complete(claimed.map { JobReport(job: $0, allOutcomes: .accepted) })
                        }
                        return (jobs, tokens)
                    }
                }
                var results: [(Int, Int)] = []
                for try await result in group { results.append(result) }
                return results
            }
            #expect(perClaimer.reduce(0) { $0 + $1.0 } == 200)
            #expect(perClaimer.reduce(0) { $0 + $1.1 } == 200_000)
            #expect(perClaimer.filter { $0.0 > 0 }.count > 1)
            #expect(try await db.outcomes(campaign) == ["accepted": 200_000])
            let duplicates = try await db.scalar(
                """
                SELECT count(*) FROM (SELECT token_id FROM push.outcome WHERE campaign_id = \(campaign)
                                      GROUP BY token_id HAVING count(*) > 1) d
                """, as: Int64.self)
            #expect(duplicates == 0)
            let missing = try await db.scalar(
                """
                SELECT count(*) FROM push.recipient r
                WHERE r.campaign_id = \(campaign)
                  AND NOT EXISTS (SELECT 1 FROM push.outcome o WHERE o.campaign_id = r.campaign_id AND o.token_id = r.token_id)
                """, as: Int64.self)
            #expect(missing == 0)
            #expect(try await db.scalar("SELECT count(*) FROM push.job", as: Int64.self) == 0)
        }
    }
}
