import Foundation
import JobQueue
import Testing

@testable import PushWorker

@Suite struct ReportRenderingTests {
    @Test func humanNumbers() {
        #expect(HumanFormat.count(0) == "0")
        #expect(HumanFormat.count(999) == "999")
        #expect(HumanFormat.count(1000) == "1,000")
        #expect(HumanFormat.count(Int64(1_234_567)) == "1,234,567")
        #expect(HumanFormat.count(-12_345) == "-12,345")
        #expect(HumanFormat.percent(0.9896) == "99.0%")
        #expect(HumanFormat.percent(1, of: 3) == "33.3%")
        #expect(HumanFormat.percent(1, of: 0) == "-")
        #expect(HumanFormat.rate(98_123.4) == "98,123/s")
        #expect(HumanFormat.duration(0.00042) == "420 µs")
        #expect(HumanFormat.duration(0.0042) == "4.20 ms")
        #expect(HumanFormat.duration(0.25) == "250.0 ms")
        #expect(HumanFormat.duration(1.25) == "1.25 s")
        #expect(HumanFormat.duration(12.5) == "12.5 s")
        #expect(HumanFormat.duration(185) == "3 min 05 s")
        #expect(HumanFormat.duration(7_260) == "2 h 01 min")
        #expect(HumanFormat.time(ReportSamples.created) == "2026-11-29 09:00:00Z")
        #expect(HumanFormat.isoTime(ReportSamples.first) == "2026-11-29T09:00:02.500Z")
    }

    @Test func tableColumnsAlign() {
        var table = TextTable([("name", .left), ("tokens", .right)], indent: "  ")
        table.append(["accepted", "989,000"])
        table.append(["failed", "7"])
        #expect(table.render() == """
              name       tokens
              accepted  989,000
              failed          7
            """)
    }

    @Test func tableReportOfOneCampaign() {
        let text = ReportTableRenderer.render(ReportSamples.finished)
        #expect(text.hasPrefix("Campaign 12 \"spring, \"sale\"\" of app shop: finished\n"))
        #expect(text.contains("  created 2026-11-29 09:00:00Z   send at 2026-11-29 09:00:00Z   expires never"))
        #expect(text.contains("  1,000,000 of 1,000,000 done (100.0%); waiting 0, scheduled 0, sending 0"))
        #expect(text.contains("""
              outcome     tokens  share
              accepted   989,000  98.9%
              rejected    10,000   1.0%
              expired          0   0.0%
              failed       1,000   0.1%
              cancelled        0   0.0%
              skipped          0   0.0%
            """))
        #expect(text.contains("""
              rejected or failed  code  reason             tokens  last
              rejected               8  InvalidToken       10,000  2026-11-29 09:00:12Z
              failed                 -  payload too large   1,000  2026-11-29 09:00:12Z
            """))
        #expect(text.contains("  tokens disabled by its rejections: 10,000 (invalid token 10,000)"))
        #expect(text.contains("""
              attempt   tokens  accepted
                    1  998,000   988,000
                    2    2,000     1,000
            """))
        #expect(text.contains(
            "  throughput: 100,000/s over 10.0 s (first outcome 2026-11-29 09:00:02Z, last 2026-11-29 09:00:12Z)"))
        #expect(text.contains(
            "  enqueue → accepted: p50 1.25 s   p95 4.50 s   p99 9.75 s   max 11.0 s   (989,000 accepted)"))
    }

    @Test func tableSummaryHasOneLinePerCampaign() {
        let lines = ReportTableRenderer.renderSummary([ReportSamples.sending, ReportSamples.finished])
            .split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 4)  // header, two campaigns, final newline
        #expect(lines[0].hasPrefix("campaign  app   name"))
        #expect(lines[1].hasPrefix("      13  shop  -"))
        #expect(lines[1].contains("sending"))
        #expect(lines[2].hasPrefix("      12  shop  spring, \"sale\"  finished  1,000,000  1,000,000  100.0%"))
        #expect(lines[2].contains("1.25 s"))
        #expect(lines[0].hasSuffix("created"))
        #expect(lines[1].hasSuffix("2026-11-29 09:01:00Z"))
        #expect(ReportTableRenderer.renderSummary([]) == "no campaigns\n")
    }

    @Test func jsonHasStableKeysNumbersAndISOTimes() throws {
        let text = try ReportJSONRenderer.render(ReportSamples.finished)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object.keys.sorted() == [
            "app", "attempts", "campaign_id", "created_at", "done", "expires_at", "latency_s", "name",
            "outcomes", "percent_done", "queued", "rejections", "scheduled", "send_at", "sending", "status",
            "throughput", "tokens_disabled", "total",
        ])
        #expect(object["campaign_id"] as? Int == 12)
        #expect(object["name"] as? String == "spring, \"sale\"")
        #expect(object["expires_at"] is NSNull)
        #expect(object["created_at"] as? String == "2026-11-29T09:00:00.000Z")
        #expect(object["percent_done"] as? Double == 100)
        #expect((object["outcomes"] as? [String: Int])?["rejected"] == 10_000)
        let rejections = try #require(object["rejections"] as? [[String: Any]])
        #expect(rejections.count == 2)
        #expect(rejections[0]["code"] as? Int == 8)
        #expect(rejections[1]["code"] is NSNull)
        #expect(rejections[1]["last_at"] as? String == "2026-11-29T09:00:12.500Z")
        let disabled = try #require(object["tokens_disabled"] as? [String: Any])
        #expect(disabled["total"] as? Int == 10_000)
        let latency = try #require(object["latency_s"] as? [String: Any])
        #expect(latency["p99"] as? Double == 9.75)
        #expect(latency["samples"] as? Int == 989_000)
        let throughput = try #require(object["throughput"] as? [String: Any])
        #expect(throughput["seconds"] as? Double == 10)
        // Keys are written sorted, so the text itself is stable between runs.
        #expect(text.range(of: "\"app\"")!.lowerBound < text.range(of: "\"attempts\"")!.lowerBound)
    }

    @Test func jsonOfAnUnfinishedCampaignHasNullsNotMissingKeys() throws {
        let text = try ReportJSONRenderer.render([ReportSamples.sending])
        let array = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
        let object = try #require(array.first)
        #expect(object["latency_s"] is NSNull)
        #expect(object["name"] is NSNull)
        #expect((object["throughput"] as? [String: Any])?["tokens_per_s"] is NSNull)
        #expect(object["expires_at"] as? String == "2026-11-30T09:00:00.000Z")
    }

    @Test func csvQuotesByRFC4180() {
        #expect(ReportCSVRenderer.field("plain") == "plain")
        #expect(ReportCSVRenderer.field("a,b") == "\"a,b\"")
        #expect(ReportCSVRenderer.field("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(ReportCSVRenderer.field("two\nlines") == "\"two\nlines\"")
        let text = ReportCSVRenderer.render([ReportSamples.finished])
        let lines = text.components(separatedBy: "\r\n")
        #expect(lines.first == "campaign_id,section,key,code,value")
        #expect(lines.last == "")  // every record ends in CRLF
        #expect(lines.contains("12,campaign,name,,\"spring, \"\"sale\"\"\""))
        #expect(lines.contains("12,campaign,expires_at,,"))
        #expect(lines.contains("12,outcomes,accepted,,989000"))
        #expect(lines.contains("12,rejections,InvalidToken,8,10000"))
        #expect(lines.contains("12,failures,payload too large,,1000"))
        #expect(lines.contains("12,tokens_disabled,invalid token,,10000"))
        #expect(lines.contains("12,attempts,2,,2000"))
        #expect(lines.contains("12,attempts_accepted,2,,1000"))
        #expect(lines.contains("12,latency_s,p95,,4.5"))
        #expect(lines.contains("12,throughput,first_outcome_at,,2026-11-29T09:00:02.500Z"))
        #expect(lines.dropFirst().dropLast().allSatisfy { $0.hasPrefix("12,") })
    }
}
