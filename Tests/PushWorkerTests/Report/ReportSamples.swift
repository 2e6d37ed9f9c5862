import Foundation
import JobQueue

/// Report values for the rendering tests, with fixed times so the output is exact.
enum ReportSamples {
    static let created = Date(timeIntervalSince1970: 1_795_942_800)  // 2026-11-29 09:00:00Z
    static let first = created.addingTimeInterval(2.5)
    static let last = created.addingTimeInterval(12.5)

    static var finished: CampaignReport {
        CampaignReport(
            progress: CampaignProgress(
                campaignID: CampaignID(12), app: "shop", name: "spring, \"sale\"", status: .finished,
                total: 1_000_000, done: 1_000_000,
                outcomes: OutcomeTotals(accepted: 989_000, rejected: 10_000, expired: 0, failed: 1_000),
                firstOutcomeAt: first, lastOutcomeAt: last, tokensPerSecond: 100_000,
                createdAt: created, sendAt: created, expiresAt: nil),
            rejections: [
                RejectionCount(kind: .rejected, code: 8, reason: "InvalidToken", tokens: 10_000, lastAt: last),
                RejectionCount(kind: .failed, code: nil, reason: "payload too large", tokens: 1_000, lastAt: last),
            ],
            tokensDisabled: [DisabledCount(reason: "invalid token", tokens: 10_000)],
            attempts: [AttemptCount(attempt: 1, tokens: 998_000, accepted: 988_000),
                       AttemptCount(attempt: 2, tokens: 2_000, accepted: 1_000)],
            latency: LatencyPercentiles(samples: 989_000, p50: 1.25, p95: 4.5, p99: 9.75, max: 11.0))
    }

    static var sending: CampaignReport {
        CampaignReport(progress: CampaignProgress(
            campaignID: CampaignID(13), app: "shop", name: nil, status: .sending, total: 20_000, done: 9_600,
            queued: 8_400, sending: 2_000, outcomes: OutcomeTotals(accepted: 9_600),
            firstOutcomeAt: first, lastOutcomeAt: first, tokensPerSecond: nil,
            createdAt: created.addingTimeInterval(60), sendAt: created.addingTimeInterval(60),
            expiresAt: created.addingTimeInterval(86_400)))
    }
}
