import Foundation
import JobQueue

/// The `table` format: a detailed page for one campaign, or one summary line per campaign.
enum ReportTableRenderer {
    /// Every figure of one campaign, section by section.
    static func render(_ report: CampaignReport) -> String {
        let progress = report.progress
        var sections: [String] = [heading(progress), schedule(progress), totals(progress)]
        if !report.rejections.isEmpty { sections.append(rejections(report.rejections)) }
        sections.append(tokensDisabled(report))
        if !report.attempts.isEmpty { sections.append(attempts(report.attempts)) }
        sections.append(throughput(progress))
        sections.append(latency(report.latency))
        return sections.joined(separator: "\n\n") + "\n"
    }

    /// One line per campaign, newest first as given.
    static func renderSummary(_ reports: [CampaignReport]) -> String {
        guard !reports.isEmpty else { return "no campaigns\n" }
        var table = TextTable([
            ("campaign", .right), ("app", .left), ("name", .left), ("status", .left), ("done", .right),
            ("total", .right), ("%", .right), ("accepted", .right), ("rejected", .right), ("failed", .right),
            ("other", .right), ("disabled", .right), ("tokens/s", .right), ("p50", .right), ("p95", .right),
            ("p99", .right), ("created", .left),
        ])
        for report in reports {
            let p = report.progress
            let other = p.outcomes.expired + p.outcomes.cancelled + p.outcomes.skipped
            table.append([
                "\(p.campaignID.rawValue)", p.app, p.name ?? "-", p.status.rawValue, HumanFormat.count(p.done),
                HumanFormat.count(p.total), p.fractionDone.map(HumanFormat.percent) ?? "-",
                HumanFormat.count(p.outcomes.accepted), HumanFormat.count(p.outcomes.rejected),
                HumanFormat.count(p.outcomes.failed), HumanFormat.count(other),
                HumanFormat.count(report.tokensDisabledTotal),
                p.tokensPerSecond.map { HumanFormat.count(Int64($0.rounded())) } ?? "-",
                report.latency.map { HumanFormat.duration($0.p50) } ?? "-",
                report.latency.map { HumanFormat.duration($0.p95) } ?? "-",
                report.latency.map { HumanFormat.duration($0.p99) } ?? "-",
                HumanFormat.time(p.createdAt),
            ])
        }
        return table.render() + "\n"
    }

    // MARK: Sections

    private static func heading(_ p: CampaignProgress) -> String {
        let name = p.name.map { " \"\($0)\"" } ?? ""
        return "Campaign \(p.campaignID.rawValue)\(name) of app \(p.app): \(p.status.rawValue)"
    }

    private static func schedule(_ p: CampaignProgress) -> String {
        let expires = p.expiresAt.map(HumanFormat.time) ?? "never"
        return "  created \(HumanFormat.time(p.createdAt))   send at \(HumanFormat.time(p.sendAt))   expires \(expires)"
    }

    private static func totals(_ p: CampaignProgress) -> String {
        let done = "  \(HumanFormat.count(p.done)) of \(HumanFormat.count(p.total)) done"
            + (p.fractionDone.map { " (\(HumanFormat.percent($0)))" } ?? "")
            + "; waiting \(HumanFormat.count(p.queued)), scheduled \(HumanFormat.count(p.scheduled)),"
            + " sending \(HumanFormat.count(p.sending))"
        var table = TextTable([("outcome", .left), ("tokens", .right), ("share", .right)], indent: "  ")
        for kind in OutcomeKind.allCases {
            table.append([kind.rawValue, HumanFormat.count(p.outcomes[kind]), HumanFormat.percent(p.outcomes[kind], of: p.total)])
        }
        return done + "\n\n" + table.render()
    }

    private static func rejections(_ rows: [RejectionCount]) -> String {
        var table = TextTable([("rejected or failed", .left), ("code", .right), ("reason", .left),
                               ("tokens", .right), ("last", .left)], indent: "  ")
        for row in rows {
            table.append([row.kind.rawValue, row.code.map { "\($0)" } ?? "-", row.reason ?? "-",
                          HumanFormat.count(row.tokens), HumanFormat.time(row.lastAt)])
        }
        return table.render()
    }

    private static func tokensDisabled(_ report: CampaignReport) -> String {
        let reasons = report.tokensDisabled.map { "\($0.reason ?? "no reason") \(HumanFormat.count($0.tokens))" }
        let detail = reasons.isEmpty ? "" : " (" + reasons.joined(separator: ", ") + ")"
        return "  tokens disabled by its rejections: \(HumanFormat.count(report.tokensDisabledTotal))\(detail)"
    }

    private static func attempts(_ rows: [AttemptCount]) -> String {
        var table = TextTable([("attempt", .right), ("tokens", .right), ("accepted", .right)], indent: "  ")
        for row in rows {
            table.append([row.attempt == 0 ? "never" : "\(row.attempt)", HumanFormat.count(row.tokens),
                          HumanFormat.count(row.accepted)])
        }
        return table.render()
    }

    private static func throughput(_ p: CampaignProgress) -> String {
        guard let first = p.firstOutcomeAt, let last = p.lastOutcomeAt else {
            return "  throughput: no outcomes yet"
        }
        let rate = p.tokensPerSecond.map(HumanFormat.rate) ?? "-"
        let span = p.sendingSeconds.map(HumanFormat.duration) ?? "0 s"
        return "  throughput: \(rate) over \(span) (first outcome \(HumanFormat.time(first)), last \(HumanFormat.time(last)))"
    }

    private static func latency(_ latency: LatencyPercentiles?) -> String {
        guard let latency else { return "  enqueue → accepted: no accepted token with an enqueue time" }
        return "  enqueue → accepted: p50 \(HumanFormat.duration(latency.p50))   p95 \(HumanFormat.duration(latency.p95))"
            + "   p99 \(HumanFormat.duration(latency.p99))   max \(HumanFormat.duration(latency.max))"
            + "   (\(HumanFormat.count(latency.samples)) accepted)"
    }
}
