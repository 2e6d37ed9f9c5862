import Foundation
import JobQueue
import Testing

@testable import PushWorker

@Suite("JobBudget: jobs held in all and per app")
struct JobBudgetTests {
    static func jobs(app: Int32, count: Int, first: Int64 = 0) -> [ClaimedJob] {
        (0..<Int64(count)).map {
            ClaimedJob(id: JobID(first + $0), campaignID: CampaignID(1), appID: AppID(app), attempt: 1, maxAttempts: 5,
                       expiresAt: nil, leaseUntil: Date(), recipients: [], skipped: [])
        }
    }

    @Test("an app holding half the budget or more is at its share; giving jobs back takes it below again")
    func appsAtShare() {
        let budget = JobBudget(limit: 16)
        #expect(budget.appShare == 8)
        let first = Self.jobs(app: 1, count: 7, first: 100)
        let second = Self.jobs(app: 2, count: 3, first: 200)
        budget.take(first)
        budget.take(second)
        #expect(budget.appsAtShare.isEmpty)
        budget.take(Self.jobs(app: 1, count: 1, first: 107))
        #expect(budget.appsAtShare == [AppID(1)])
        #expect(budget.room == 5 && budget.heldCount == 11)
        budget.give(Array(first.prefix(2)))
        #expect(budget.appsAtShare.isEmpty)
        #expect(budget.heldCount(of: AppID(1)) == 6 && budget.heldCount(of: AppID(2)) == 3)
        budget.give(second)
        #expect(budget.heldCount(of: AppID(2)) == 0 && budget.room == 10)
    }

    @Test("the jobs held are known by id, so only their leases are extended; a job given twice counts once")
    func heldJobsByID() {
        let budget = JobBudget(limit: 8)
        let jobs = Self.jobs(app: 1, count: 4, first: 10)
        budget.take(jobs)
        budget.give([jobs[1]])
        budget.give([jobs[1]])
        #expect(Set(budget.heldJobs) == [JobID(10), JobID(12), JobID(13)])
        #expect(budget.heldCount == 3 && budget.heldCount(of: AppID(1)) == 3)
    }

    @Test("a budget of one job gives an app a share of one")
    func smallestBudget() {
        let budget = JobBudget(limit: 1)
        #expect(budget.appShare == 1)
        budget.take(Self.jobs(app: 3, count: 1))
        #expect(budget.appsAtShare == [AppID(3)] && budget.room == 0)
    }
}
