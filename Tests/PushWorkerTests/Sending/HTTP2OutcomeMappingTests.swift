import APNSBinary
import APNSHTTP2
import Foundation
import JobQueue
import Testing

@testable import PushWorker

@Suite("HTTP2OutcomeMapping: what each HTTP/2 result records")
struct HTTP2OutcomeMappingTests {
    static func rejected(_ status: Int, _ reason: APNSReason?, timestamp: Date? = nil) -> HTTP2Outcome.Result {
        .rejected(HTTP2Response(status: status, reason: reason, timestamp: timestamp))
    }

    @Test func acceptedIsAccepted() {
        #expect(HTTP2OutcomeMapping.decide(.accepted(apnsID: "x")) == .init(outcome: .accepted))
    }

    @Test func unregisteredAndExpiredTokenDisableUnlessRegisteredAfterTheTimestamp() {
        let timestamp = Date(timeIntervalSince1970: 1_700_000_000.5)
        for reason: APNSReason in [.unregistered, .expiredToken] {
            #expect(HTTP2OutcomeMapping.decide(Self.rejected(410, reason, timestamp: timestamp)).outcome == .rejected(
                code: 410, reason: reason.name, disableToken: "\(reason.name) (410)", invalidSince: timestamp))
        }
    }

    @Test func badDeviceTokenDisables() {
        #expect(HTTP2OutcomeMapping.decide(Self.rejected(400, .badDeviceToken)).outcome == .rejected(
            code: 400, reason: "BadDeviceToken", disableToken: "BadDeviceToken (400)"))
    }

    @Test func otherRefusalsAreRecordedByReasonName() {
        for (status, reason) in [(400, APNSReason.badTopic), (400, .deviceTokenNotForTopic), (413, .payloadTooLarge), (404, .badPath)] {
            #expect(HTTP2OutcomeMapping.decide(Self.rejected(status, reason)).outcome
                == .rejected(code: Int32(status), reason: reason.name))
        }
        #expect(HTTP2OutcomeMapping.decide(Self.rejected(400, nil)).outcome == .rejected(code: 400, reason: "status 400"))
    }

    @Test func throttlingAndServerErrorsAreRetried() {
        #expect(HTTP2OutcomeMapping.decide(.retryLater(HTTP2Response(status: 429, reason: .tooManyRequests))).outcome
            == .retry(code: 429, reason: "TooManyRequests"))
        #expect(HTTP2OutcomeMapping.decide(.retryLater(HTTP2Response(status: 503, reason: .shutdown))).outcome
            == .retry(code: 503, reason: "Shutdown"))
    }

    @Test func lostStreamsAreRetriedAndCredentialFailuresStopTheApp() {
        let lost = GatewayFailure(code: .connectionLost, message: "reset")
        #expect(HTTP2OutcomeMapping.decide(.failed(lost)) == .init(outcome: .retry(code: nil, reason: "\(lost)")))
        let token = GatewayFailure(code: .providerTokenRejected, message: "APNs answered 403 InvalidProviderToken")
        #expect(HTTP2OutcomeMapping.decide(.failed(token)) == .init(outcome: .released, appFailure: token))
        let closed = GatewayFailure(code: .poolClosed, message: "drained")
        #expect(HTTP2OutcomeMapping.decide(.failed(closed)) == .init(outcome: .released))
    }
}

@Suite("CampaignContent: a campaign as HTTP/2 content")
struct CampaignContentHTTP2Tests {
    static func campaign(
        payload: String = #"{"aps":{"alert":"hi"}}"#, priority: Int = 10, pushType: String = "alert",
        collapseID: String? = nil, expiresAt: Date? = nil
    ) -> CampaignRecord {
        CampaignRecord(id: CampaignID(7), appID: AppID(1), payload: Array(payload.utf8), apnsPriority: priority,
                       pushType: pushType, collapseID: collapseID, expiresAt: expiresAt, isCancelled: false)
    }

    @Test func fieldsCarryOver() throws {
        let expiry = Date(timeIntervalSince1970: 2_000_000_000)
        let content = try CampaignContent.http2Content(
            of: Self.campaign(priority: 1, pushType: "voip", collapseID: "c1", expiresAt: expiry), topic: "com.example.app").get()
        #expect(content.topic == "com.example.app.voip")
        #expect(content.pushType == .voip)
        #expect(content.priority == .powerFirst)
        #expect(content.expiration?.secondsSince1970 == 2_000_000_000)
        #expect(content.collapseID == "c1")
    }

    @Test func aCampaignThatNeverExpiresSendsNoExpiration() throws {
        #expect(try CampaignContent.http2Content(of: Self.campaign(), topic: "t").get().expiration == nil)
    }

    @Test func limitsAndUnknownValuesAreRefusedWithAReason() {
        let large = #"{"a":""# + String(repeating: "x", count: 4_100) + #""}"#
        for campaign in [
            Self.campaign(payload: large), Self.campaign(pushType: "fax"),
            Self.campaign(priority: 10, pushType: "background"),
        ] {
            guard case .failure(let error) = CampaignContent.http2Content(of: campaign, topic: "t") else {
                Issue.record("\(campaign.pushType) was accepted")
                continue
            }
            #expect(error.reason.hasPrefix("campaign 7:"))
        }
        // VoIP allows 5,120 bytes.
        #expect((try? CampaignContent.http2Content(of: Self.campaign(payload: large, pushType: "voip"), topic: "t").get()) != nil)
    }
}
