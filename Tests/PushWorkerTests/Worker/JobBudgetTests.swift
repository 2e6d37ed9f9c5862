import Foundation
import JobQueue
import Testing

@testable import PushWorker

@Suite("JobBudget: jobs held in all and per app")
struct JobBudgetTests {
    static func jobs(app: Int32, count: Int) -> [ClaimedJob] {
        (0..<count).map {
            ClaimedJob(id: JobID(Int64($0)), campaignID: CampaignID(1), appID: AppID(app), attempt: 1, maxAttempts: 5,
                       expiresAt: nil, leaseUntil: Date(), recipients: [], skipped: [])
        }
    }

    @Test("an app holding half the budget or more is at its share; giving jobs back takes it below again")
    func appsAtShare() {
        let budget = JobBudget(limit: 16)
        #expect(budget.appShare == 8)
        budget.take(Self.jobs(app: 1, count: 7))
        budget.take(Self.jobs(app: 2, count: 3))
        #expect(budget.appsAtShare.isEmpty)
        budget.take(Self.jobs(app: 1, count: 1))
        #expect(budget.appsAtShare == [AppID(1)])
        #expect(budget.room == 5 && budget.heldCount == 11)
        budget.give(2, of: AppID(1))
        #expect(budget.appsAtShare.isEmpty)
        #expect(budget.heldCount(of: AppID(1)) == 6 && budget.heldCount(of: AppID(2)) == 3)
        budget.give(3, of: AppID(2))
        #expect(budget.heldCount(of: AppID(2)) == 0 && budget.room == 10)
    }

    @Test("a budget of one job gives an app a share of one")
    func smallestBudget() {
        let budget = JobBudget(limit: 1)
        #expect(budget.appShare == 1)
        budget.take(Self.jobs(app: 3, count: 1))
        #expect(budget.appsAtShare == [AppID(3)] && budget.room == 0)
    }
}
