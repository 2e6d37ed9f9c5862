import APNSBinary
import Foundation
import JobQueue
import PushCore
import Testing

@testable import PushWorker

@Suite("CampaignContent: a campaign as binary-protocol content")
struct CampaignContentTests {
    static func campaign(payload: String = #"{"aps":{"alert":"hi"}}"#, priority: Int = 10, expiresAt: Date? = nil) -> CampaignRecord {
        CampaignRecord(id: CampaignID(7), appID: AppID(1), payload: Array(payload.utf8), apnsPriority: priority,
                       pushType: "alert", collapseID: nil, expiresAt: expiresAt, isCancelled: false)
    }

    @Test("payload byte for byte, priority and the campaign's expiry")
    func plain() throws {
        let expiry = Date(timeIntervalSince1970: 2_000_000_000)
        let content = try CampaignContent.binaryContent(of: Self.campaign(priority: 5, expiresAt: expiry)).get()
        #expect(Array(content.payload.readableBytesView) == Array(#"{"aps":{"alert":"hi"}}"#.utf8))
        #expect(content.priority == .considerPower)
        #expect(content.expiration.secondsSince1970 == 2_000_000_000)
        #expect(content.format == .frame)
    }

    @Test("a campaign that never expires is stored by APNs for 30 days; priority 1 goes out as 5")
    func defaults() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let content = try CampaignContent.binaryContent(of: Self.campaign(priority: 1), now: now).get()
        #expect(content.expiration.secondsSince1970 == 1_800_000_000 + 30 * 86_400)
        #expect(content.priority == .considerPower)
    }

    @Test("a payload over 2,048 bytes or not a JSON object cannot be sent, and says why")
    func unusable() {
        let large = #"{"aps":{"alert":""# + String(repeating: "x", count: 2_100) + #""}}"#
        for (payload, words) in [(large, "2048"), ("[1,2]", "object"), ("{nope", "JSON")] {
            guard case .failure(let error) = CampaignContent.binaryContent(of: Self.campaign(payload: payload)) else {
                Issue.record("expected \(payload.prefix(20)) to be refused")
                continue
            }
            #expect(error.reason.hasPrefix("campaign 7: "))
            #expect(error.reason.contains(words) || error.reason.contains("2,048"), "\(error.reason)")
        }
    }
}
