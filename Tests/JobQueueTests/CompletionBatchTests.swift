import Foundation
import Testing

@testable import JobQueue

@Suite struct CompletionBatchTests {
    func job(_ id: Int64, tokens: [Int64], attempt: Int = 1, maxAttempts: Int = 3, skipped: [Int64] = []) -> ClaimedJob {
        ClaimedJob(
            id: JobID(id), campaignID: CampaignID(1), appID: AppID(1), attempt: attempt, maxAttempts: maxAttempts,
            expiresAt: nil, leaseUntil: Date(), recipients: tokens.map { Recipient(tokenID: TokenID($0), token: [1]) },
            skipped: skipped.map { TokenID($0) })
    }

    @Test func allAcceptedSendsNoPerTokenRows() {
        let batch = CompletionBatch(reports: [JobReport(job: job(7, tokens: [1, 2, 3]), allOutcomes: .accepted)],
                                    delay: { _ in 99 })
        #expect(batch.finishedJobs == [7])
        #expect(batch.requeuedJobs.isEmpty)
        #expect(batch.outcomeTokens.isEmpty)
    }

    @Test func terminalOutcomesAreExplicitAndDisablesListed() {
        var report = JobReport(job: job(7, tokens: [1, 2, 3, 4], skipped: [9]))
        report.record(.accepted, forRecipientAt: 0)
        report.record(.rejected(code: 8, reason: "InvalidToken", disableToken: "invalid token"), forRecipientAt: 1)
        report.record(.expired, forRecipientAt: 2)
        report.record(.failed(reason: "token is not 32 bytes"), forRecipientAt: 3)
        let batch = CompletionBatch(reports: [report], delay: { _ in 99 })
        #expect(batch.finishedJobs == [7])
        #expect(batch.outcomeTokens == [9, 2, 3, 4])
        #expect(batch.outcomeKinds == ["skipped", "rejected", "expired", "failed"])
        #expect(batch.outcomeCodes == [CompletionBatch.noCode, 8, CompletionBatch.noCode, CompletionBatch.noCode])
        #expect(batch.outcomeReasons == ["disabled after enqueue", "InvalidToken", "", "token is not 32 bytes"])
        #expect(batch.disableTokens == [2])
        #expect(batch.disableReasons == ["invalid token"])
    }

    @Test func retryRequeuesWithBackOffAndAcceptedBecomeExplicit() {
        var report = JobReport(job: job(7, tokens: [1, 2, 3], attempt: 2))
        report.record(.accepted, forRecipientAt: 0)
        report.record(.retry(reason: "shutdown"), forRecipientAt: 1)
        // token 3 unrecorded: released
        let batch = CompletionBatch(reports: [report], delay: { attempt in Double(attempt) * 10 })
        #expect(batch.finishedJobs.isEmpty)
        #expect(batch.requeuedJobs == [7])
        #expect(batch.requeueDelays == [20])
        #expect(batch.requeueRefunds == [false])
        #expect(batch.keptTokens == [2, 3])
        #expect(batch.outcomeTokens == [1])
        #expect(batch.outcomeKinds == ["accepted"])
    }

    @Test func releasedOnlyRunsAtOnceAndRefundsTheAttempt() {
        let batch = CompletionBatch(reports: [JobReport(job: job(7, tokens: [1, 2]))], delay: { _ in 99 })
        #expect(batch.requeuedJobs == [7])
        #expect(batch.requeueDelays == [0])
        #expect(batch.requeueRefunds == [true])
    }

    @Test func retryOnTheLastAttemptIsFailed() {
        let report = JobReport(job: job(7, tokens: [1], attempt: 3, maxAttempts: 3),
                               allOutcomes: .retry(code: 1, reason: "processing error"))
        let batch = CompletionBatch(reports: [report], delay: { _ in 99 })
        #expect(batch.finishedJobs == [7])
        #expect(batch.outcomeKinds == ["failed"])
        #expect(batch.outcomeCodes == [1])
        #expect(batch.outcomeReasons == ["processing error"])
    }

    @Test func recordByTokenID() {
        var report = JobReport(job: job(7, tokens: [10, 20]))
        let known = report.record(.accepted, for: TokenID(20))
        let unknown = report.record(.accepted, for: TokenID(30))
        #expect(known)
        #expect(!unknown)
        #expect(report.outcomes == [nil, .accepted])
        #expect(report.unrecordedCount == 1)
    }
}

@Suite struct RetryPolicyTests {
    @Test func doublesPerAttemptUpToTheMaximum() {
        let policy = RetryPolicy(base: .seconds(5), maximum: .seconds(60), jitter: 0.5)
        #expect(policy.delaySeconds(afterAttempt: 1, unit: 0) == 5)
        #expect(policy.delaySeconds(afterAttempt: 2, unit: 0) == 10)
        #expect(policy.delaySeconds(afterAttempt: 3, unit: 0) == 20)
        #expect(policy.delaySeconds(afterAttempt: 5, unit: 0) == 60)
        #expect(policy.delaySeconds(afterAttempt: 50, unit: 0) == 60)
    }

    @Test func jitterShortensByUpToItsFraction() {
        let policy = RetryPolicy(base: .seconds(8), maximum: .seconds(60), jitter: 0.5)
        #expect(policy.delaySeconds(afterAttempt: 1, unit: 0.5) == 6)
        #expect(policy.delaySeconds(afterAttempt: 1, unit: 0.999) > 4)
        for _ in 0..<100 {
            let delay = policy.delaySeconds(afterAttempt: 1)
            #expect(delay > 4 && delay <= 8)
        }
    }
}
