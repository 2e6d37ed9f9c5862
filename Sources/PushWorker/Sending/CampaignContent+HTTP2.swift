import APNSHTTP2
import Foundation
import JobQueue
import PushCore

extension CampaignContent {
    /// A campaign as HTTP/2 content for an app whose topic (bundle id) is `topic`.
    ///
    /// - Payload: byte for byte; a JSON object within 4,096 bytes (5,120 for `voip`).
    /// - Push type: the campaign's `push_type`, one Apple lists; the topic gets its suffix.
    /// - Priority: 10, 5 or 1 as given (a `background` push must use 5).
    /// - Expiry: the campaign's `expires_at` as `apns-expiration`; a campaign that never expires
    ///   sends no `apns-expiration`, so APNs applies its own storage policy.
    /// - Collapse id: the campaign's, at most 64 bytes.
    public static func http2Content(of campaign: CampaignRecord, topic: String) -> Result<HTTP2NotificationContent, ContentError> {
        do {
            guard let pushType = PushType(headerValue: campaign.pushType) else {
                throw HTTP2ContentError("push type \"\(campaign.pushType)\" is not one APNs knows")
            }
            guard let priority = HTTP2Priority(rawValue: campaign.apnsPriority) else {
                throw HTTP2ContentError("priority \(campaign.apnsPriority) is not 10, 5 or 1")
            }
            let payload = try Payload(validating: campaign.payload, limit: pushType == .voip ? .http2VoIP : .http2)
            var expiration: Expiration?
            if let expiresAt = campaign.expiresAt {
                let seconds = min(Int64(expiresAt.timeIntervalSince1970.rounded(.up)), Int64(UInt32.max))
                expiration = try Expiration(secondsSince1970: max(seconds, 1))
            }
            return .success(try HTTP2NotificationContent(
                payload: payload, pushType: pushType, bundleID: topic, priority: priority, expiration: expiration,
                collapseID: campaign.collapseID))
        } catch {
            return .failure(ContentError(reason: "campaign \(campaign.id.rawValue): \(error)"))
        }
    }
}
