import Foundation
import JobQueue

/// The `csv` format (RFC 4180): one header row, then one row per figure, "long" so that every
/// campaign, however many rejection reasons or attempts it has, fits the same five columns:
///
///     campaign_id,section,key,code,value
///     12,campaign,status,,finished
///     12,outcomes,accepted,,16
///     12,rejections,InvalidToken,8,2
///
/// Sections: `campaign` (app, name, status, created_at, send_at, expires_at), `progress` (total,
/// done, queued, scheduled, sending), `outcomes` (one key per kind), `rejections` and `failures`
/// (key: reason, code: the status code), `tokens_disabled` (key: reason), `attempts` (key: the
/// attempt; `attempts_accepted` the accepted ones among them), `throughput` (first_outcome_at,
/// last_outcome_at, seconds, tokens_per_s), `latency_s` (samples, p50, p95, p99, max). Missing values
/// are empty fields; timestamps are ISO 8601 UTC.
enum ReportCSVRenderer {
    static let header = ["campaign_id", "section", "key", "code", "value"]

    static func render(_ reports: [CampaignReport]) -> String {
        var lines = [line(header)]
        for report in reports {
            lines.append(contentsOf: rows(report).map(line))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// One field, quoted when it holds a comma, a quote, or a line break (quotes doubled).
    static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    private static func line(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",")
    }

    private static func rows(_ report: CampaignReport) -> [[String]] {
        let p = report.progress
        let id = "\(p.campaignID.rawValue)"
        var rows: [[String]] = []
        func add(_ section: String, _ key: String, _ value: String?, code: Int32? = nil) {
            rows.append([id, section, key, code.map { "\($0)" } ?? "", value ?? ""])
        }
        func number(_ value: Double?) -> String? { value.map { "\($0)" } }

        add("campaign", "app", p.app)
        add("campaign", "name", p.name)
        add("campaign", "status", p.status.rawValue)
        add("campaign", "created_at", HumanFormat.isoTime(p.createdAt))
        add("campaign", "send_at", HumanFormat.isoTime(p.sendAt))
        add("campaign", "expires_at", p.expiresAt.map(HumanFormat.isoTime))
        add("progress", "total", "\(p.total)")
        add("progress", "done", "\(p.done)")
        add("progress", "queued", "\(p.queued)")
        add("progress", "scheduled", "\(p.scheduled)")
        add("progress", "sending", "\(p.sending)")
        for kind in OutcomeKind.allCases {
            add("outcomes", kind.rawValue, "\(p.outcomes[kind])")
        }
        for row in report.rejections {
            add(row.kind == .failed ? "failures" : "rejections", row.reason ?? "", "\(row.tokens)", code: row.code)
        }
        for row in report.tokensDisabled {
            add("tokens_disabled", row.reason ?? "", "\(row.tokens)")
        }
        for row in report.attempts {
            add("attempts", "\(row.attempt)", "\(row.tokens)")
            add("attempts_accepted", "\(row.attempt)", "\(row.accepted)")
        }
        add("throughput", "first_outcome_at", p.firstOutcomeAt.map(HumanFormat.isoTime))
        add("throughput", "last_outcome_at", p.lastOutcomeAt.map(HumanFormat.isoTime))
        add("throughput", "seconds", number(p.sendingSeconds))
        add("throughput", "tokens_per_s", number(p.tokensPerSecond))
        if let latency = report.latency {
            add("latency_s", "samples", "\(latency.samples)")
            add("latency_s", "p50", number(latency.p50))
            add("latency_s", "p95", number(latency.p95))
            add("latency_s", "p99", number(latency.p99))
            add("latency_s", "max", number(latency.max))
        }
        return rows
    }
}
