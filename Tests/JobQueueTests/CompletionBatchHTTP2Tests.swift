import Foundation
import Testing

@testable import JobQueue

/// The HTTP/2 parts of a completion batch: apns-ids and the 410 timestamp.
@Suite struct CompletionBatchHTTP2Tests {
    static func job(_ id: Int64, tokens: [Int64]) -> ClaimedJob {
        ClaimedJob(
            id: JobID(id), campaignID: CampaignID(1), appID: AppID(1), attempt: 1, maxAttempts: 3,
            expiresAt: nil, leaseUntil: Date(), recipients: tokens.map { Recipient(tokenID: TokenID($0), token: [1]) },
            skipped: [])
    }

    @Test func acceptedTokensWithAnApnsIDBecomeExplicitRows() {
        var report = JobReport(job: Self.job(7, tokens: [1, 2, 3]))
        let id = UUID(uuidString: "4F0E2B9A-6C11-4B3E-9A77-0D7E0E3D1A55")!
        report.record(.accepted, forRecipientAt: 0)
        report.recordApnsID(id, forRecipientAt: 0)
        report.record(.accepted, forRecipientAt: 1)
        report.record(.rejected(code: 400, reason: "BadTopic"), forRecipientAt: 2)
        report.recordApnsID(id, forRecipientAt: 2)
        let batch = CompletionBatch(reports: [report], delay: { _ in 99 })
        #expect(batch.finishedJobs == [7])
        // Token 2 (accepted, no apns-id) stays implicit.
        #expect(batch.outcomeTokens == [1, 3])
        #expect(batch.outcomeKinds == ["accepted", "rejected"])
        #expect(batch.outcomeApnsIDs == [id, id])
    }

    @Test func disablesCarryTheTimeTheTokenBecameInvalid() {
        var report = JobReport(job: Self.job(7, tokens: [1, 2]))
        report.record(
            .rejected(code: 410, reason: "Unregistered", disableToken: "Unregistered (410)",
                      invalidSince: Date(timeIntervalSince1970: 1_700_000_000.5)),
            forRecipientAt: 0)
        report.record(.rejected(code: 400, reason: "BadDeviceToken", disableToken: "BadDeviceToken (400)"), forRecipientAt: 1)
        let batch = CompletionBatch(reports: [report], delay: { _ in 99 })
        #expect(batch.disableTokens == [1, 2])
        #expect(batch.disableInvalidSince == [1_700_000_000.5, CompletionBatch.noInvalidSince])
        #expect(batch.outcomeApnsIDs == [CompletionBatch.noApnsID, CompletionBatch.noApnsID])
    }
}
