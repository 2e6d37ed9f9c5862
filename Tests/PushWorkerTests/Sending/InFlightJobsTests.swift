import APNSBinary
import Foundation
import JobQueue
import Testing

@testable import PushWorker

@Suite("InFlightJobs: settling a job's tokens from pool outcomes")
struct InFlightJobsTests {
    static func job(_ id: Int64, tokens: Int) -> ClaimedJob {
        ClaimedJob(
            id: JobID(id), campaignID: CampaignID(1), appID: AppID(1), attempt: 1, maxAttempts: 5, expiresAt: nil,
            leaseUntil: Date(), recipients: (0..<tokens).map { Recipient(tokenID: TokenID(id * 1000 + Int64($0)), token: [1, 2, 3]) },
            skipped: [])
    }

    static func outcomes(_ slot: UInt32, _ results: [(Int, GatewayOutcome.Result)]) -> [GatewayOutcome] {
        results.map { GatewayOutcome(tag: InFlightJobs.tag(slot: slot, index: $0.0), result: $0.1) }
    }

    @Test("a tag carries the slot and the recipient's index and splits back")
    func tagRoundTrip() {
        for (slot, index) in [(UInt32(1), 0), (7, 999), (UInt32.max, Int(UInt32.max))] {
            let (backSlot, backIndex) = InFlightJobs.split(InFlightJobs.tag(slot: slot, index: index))
            #expect(backSlot == slot && backIndex == index)
        }
    }

    @Test("a job finishes when its last token settles, not before")
    func finishesOnLastToken() {
        var jobs = InFlightJobs()
        let (slot, finished) = jobs.start(JobReport(job: Self.job(1, tokens: 3)), sending: [0, 1, 2])
        #expect(finished == nil)
        #expect(jobs.outstandingCount == 3 && jobs.jobCount == 1)
        var settlement = jobs.settle(Self.outcomes(slot, [(0, .accepted), (2, .accepted)]))
        #expect(settlement.finished.isEmpty)
        #expect(jobs.outstandingCount == 1)
        settlement = jobs.settle(Self.outcomes(slot, [(1, .rejected(.invalidToken))]))
        let report = try! #require(settlement.finished.first)
        #expect(report.outcomes == [
            .accepted, .rejected(code: 8, reason: BinaryStatus.invalidToken.name, disableToken: "invalid_token (status 8)"),
            .accepted,
        ])
        #expect(settlement.tally.accepted == 0 && settlement.tally.rejected == [RejectionLabel(.invalidToken): 1])
        #expect(jobs.outstandingCount == 0 && jobs.jobCount == 0)
    }

    @Test("outcomes recorded before sending stay; only the sent indices are awaited")
    func preRecordedOutcomes() {
        var jobs = InFlightJobs()
        var report = JobReport(job: Self.job(1, tokens: 3))
        report.record(.failed(code: nil, reason: "device token: empty"), forRecipientAt: 1)
        let (slot, _) = jobs.start(report, sending: [0, 2])
        let settlement = jobs.settle(Self.outcomes(slot, [(0, .accepted), (2, .accepted)]))
        #expect(settlement.finished.first?.outcomes == [.accepted, .failed(code: nil, reason: "device token: empty"), .accepted])
    }

    @Test("a job with nothing to send is finished at once")
    func nothingToSend() {
        var jobs = InFlightJobs()
        let report = JobReport(job: Self.job(1, tokens: 2), allOutcomes: .expired)
        let (_, finished) = jobs.start(report, sending: [])
        #expect(finished?.outcomes == [.expired, .expired])
        #expect(jobs.jobCount == 0)
    }

    @Test("jobs settle independently, in any interleaving")
    func interleavedJobs() {
        var jobs = InFlightJobs()
        let (first, _) = jobs.start(JobReport(job: Self.job(1, tokens: 2)), sending: [0, 1])
        let (second, _) = jobs.start(JobReport(job: Self.job(2, tokens: 1)), sending: [0])
        #expect(first != second)
        let settlement = jobs.settle(
            Self.outcomes(first, [(1, .accepted)]) + Self.outcomes(second, [(0, .accepted)]) + Self.outcomes(first, [(0, .accepted)]))
        #expect(Set(settlement.finished.map(\.job.id)) == [JobID(1), JobID(2)])
        #expect(settlement.tally.accepted == 3)
    }

    @Test("an outcome for an unknown tag or a token already settled is counted, never recorded twice")
    func unknownAndRepeatedTags() {
        var jobs = InFlightJobs()
        let (slot, _) = jobs.start(JobReport(job: Self.job(1, tokens: 2)), sending: [0, 1])
        var settlement = jobs.settle(Self.outcomes(slot, [(0, .accepted), (0, .rejected(.invalidToken))]))
        #expect(settlement.tally.unknown == 1)
        #expect(jobs.outstandingCount == 1)
        settlement = jobs.settle(Self.outcomes(slot + 1, [(0, .accepted)]) + Self.outcomes(slot, [(5, .accepted)]))
        #expect(settlement.tally.unknown == 2)
        settlement = jobs.settle(Self.outcomes(slot, [(1, .accepted)]))
        #expect(settlement.finished.first?.outcomes == [.accepted, .accepted])
    }

    @Test("a fatal pool failure releases the token and names the app's failure once")
    func fatalFailure() {
        var jobs = InFlightJobs()
        let (slot, _) = jobs.start(JobReport(job: Self.job(1, tokens: 2)), sending: [0, 1])
        let failure = GatewayFailure(code: .clientCertificateRejected, message: "certificate unknown")
        let settlement = jobs.settle(Self.outcomes(slot, [(0, .failed(failure)), (1, .failed(failure))]))
        #expect(settlement.appFailure == failure)
        #expect(settlement.finished.first?.outcomes == [.released, .released])
        #expect(settlement.tally.released == 2)
    }

    @Test("a withdrawn job hands back its unsettled tokens as released")
    func withdraw() {
        var jobs = InFlightJobs()
        let (slot, _) = jobs.start(JobReport(job: Self.job(1, tokens: 3)), sending: [0, 1, 2])
        _ = jobs.settle(Self.outcomes(slot, [(1, .accepted)]))
        let report = jobs.withdraw(slot: slot)
        #expect(report?.outcomes == [.released, .accepted, .released])
        #expect(jobs.outstandingCount == 0 && jobs.jobCount == 0)
        #expect(jobs.withdraw(slot: slot) == nil)
    }

    @Test("abandoning releases every unsettled token of every job and keeps what settled")
    func abandonAll() {
        var jobs = InFlightJobs()
        let (first, _) = jobs.start(JobReport(job: Self.job(1, tokens: 2)), sending: [0, 1])
        _ = jobs.start(JobReport(job: Self.job(2, tokens: 1)), sending: [0])
        _ = jobs.settle(Self.outcomes(first, [(0, .accepted)]))
        let reports = jobs.abandonAll()
        #expect(reports.map(\.job.id) == [JobID(1), JobID(2)])
        #expect(reports.map(\.outcomes) == [[.accepted, .released], [.released]])
        #expect(jobs.outstandingCount == 0)
    }
}
