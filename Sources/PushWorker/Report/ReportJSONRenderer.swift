import Foundation
import JobQueue

/// The `json` format. One campaign is one object; a list of campaigns is an array of them. Keys
/// are snake_case, sorted, and always present (`null` when there is no value); counts and seconds
/// are JSON numbers; timestamps are ISO 8601 in UTC with milliseconds.
enum ReportJSONRenderer {
    static func render(_ report: CampaignReport) throws -> String {
        try encode(CampaignJSON(report))
    }

    static func render(_ reports: [CampaignReport]) throws -> String {
        try encode(reports.map(CampaignJSON.init))
    }

    private static func encode<Value: Encodable>(_ value: Value) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(HumanFormat.isoTime(date))
        }
        return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
    }
}

/// The JSON shape of one campaign. Written out by hand (not synthesized) so that `nil` becomes
/// `null` instead of a missing key.
private struct CampaignJSON: Encodable {
    let report: CampaignReport

    init(_ report: CampaignReport) { self.report = report }

    enum Key: String, CodingKey {
        case campaignID = "campaign_id", app, name, status, total, done, percentDone = "percent_done"
        case queued, scheduled, sending, outcomes, rejections, tokensDisabled = "tokens_disabled"
        case attempts, throughput, latency = "latency_s"
        case createdAt = "created_at", sendAt = "send_at", expiresAt = "expires_at"
    }

    func encode(to encoder: any Encoder) throws {
        let p = report.progress
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(p.campaignID.rawValue, forKey: .campaignID)
        try c.encode(p.app, forKey: .app)
        try c.encode(p.name, forKey: .name)
        try c.encode(p.status.rawValue, forKey: .status)
        try c.encode(p.total, forKey: .total)
        try c.encode(p.done, forKey: .done)
        try c.encode(p.fractionDone.map { ($0 * 1000).rounded() / 10 }, forKey: .percentDone)
        try c.encode(p.queued, forKey: .queued)
        try c.encode(p.scheduled, forKey: .scheduled)
        try c.encode(p.sending, forKey: .sending)
        try c.encode(Dictionary(uniqueKeysWithValues: OutcomeKind.allCases.map { ($0.rawValue, p.outcomes[$0]) }),
                     forKey: .outcomes)
        try c.encode(report.rejections.map(RejectionJSON.init), forKey: .rejections)
        try c.encode(DisabledJSON(report), forKey: .tokensDisabled)
        try c.encode(report.attempts.map { ["attempt": Int64($0.attempt), "tokens": $0.tokens, "accepted": $0.accepted] },
                     forKey: .attempts)
        try c.encode(ThroughputJSON(p), forKey: .throughput)
        try c.encode(report.latency.map(LatencyJSON.init), forKey: .latency)
        try c.encode(p.createdAt, forKey: .createdAt)
        try c.encode(p.sendAt, forKey: .sendAt)
        try c.encode(p.expiresAt, forKey: .expiresAt)
    }
}

private struct RejectionJSON: Encodable {
    let row: RejectionCount

    enum Key: String, CodingKey { case kind, code, reason, tokens, lastAt = "last_at" }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(row.kind.rawValue, forKey: .kind)
        try c.encode(row.code, forKey: .code)
        try c.encode(row.reason, forKey: .reason)
        try c.encode(row.tokens, forKey: .tokens)
        try c.encode(row.lastAt, forKey: .lastAt)
    }
}

private struct DisabledJSON: Encodable {
    let report: CampaignReport

    init(_ report: CampaignReport) { self.report = report }

    enum Key: String, CodingKey { case total, byReason = "by_reason" }
    enum ReasonKey: String, CodingKey { case reason, tokens }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(report.tokensDisabledTotal, forKey: .total)
        var reasons = c.nestedUnkeyedContainer(forKey: .byReason)
        for row in report.tokensDisabled {
            var item = reasons.nestedContainer(keyedBy: ReasonKey.self)
            try item.encode(row.reason, forKey: .reason)
            try item.encode(row.tokens, forKey: .tokens)
        }
    }
}

private struct ThroughputJSON: Encodable {
    let progress: CampaignProgress

    init(_ progress: CampaignProgress) { self.progress = progress }

    enum Key: String, CodingKey {
        case firstOutcomeAt = "first_outcome_at", lastOutcomeAt = "last_outcome_at", seconds
        case tokensPerSecond = "tokens_per_s"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(progress.firstOutcomeAt, forKey: .firstOutcomeAt)
        try c.encode(progress.lastOutcomeAt, forKey: .lastOutcomeAt)
        try c.encode(progress.sendingSeconds, forKey: .seconds)
        try c.encode(progress.tokensPerSecond, forKey: .tokensPerSecond)
    }
}

/// No optional fields: the synthesized conformance writes every key.
private struct LatencyJSON: Encodable {
    let samples: Int64
    let p50: Double
    let p95: Double
    let p99: Double
    let max: Double

    init(_ latency: LatencyPercentiles) {
        samples = latency.samples
        p50 = latency.p50
        p95 = latency.p95
        p99 = latency.p99
        max = latency.max
    }
}
