import APNSBinary
import Foundation
import JobQueue
import PushCore

/// Turns a campaign's stored parameters into what every notification of it carries on the binary
/// protocol, or the reason it cannot be sent (recorded as `failed` for each of its tokens).
///
/// - Payload: sent byte for byte as stored; must be a JSON object within 2,048 bytes (frame format).
/// - Priority: 10 and 5 as given; 1 (an HTTP/2-only value) is sent as 5, the closest the binary
///   protocol knows.
/// - Expiry: the campaign's `expires_at`; a campaign that never expires is sent with an expiry
///   ``defaultStorage`` ahead, so APNs stores it for a device that is offline.
public enum CampaignContent {
    /// How long APNs is asked to keep a notification of a campaign without `expires_at`.
    public static let defaultStorage: TimeInterval = 30 * 86_400

    public static func binaryContent(of campaign: CampaignRecord, now: Date = Date()) -> Result<NotificationContent, ContentError> {
        do {
            let payload = try Payload(validating: campaign.payload, limit: .binaryFrame)
            let priority = try Priority(binary: campaign.apnsPriority == 1 ? 5 : campaign.apnsPriority)
            let expiry = campaign.expiresAt ?? now.addingTimeInterval(defaultStorage)
            let seconds = min(Int64(expiry.timeIntervalSince1970.rounded(.up)), Int64(UInt32.max))
            let expiration = try Expiration(secondsSince1970: max(seconds, 1))
            return .success(try NotificationContent(payload: payload, format: .frame, expiration: expiration, priority: priority))
        } catch {
            return .failure(ContentError(reason: "campaign \(campaign.id.rawValue): \(error)"))
        }
    }

    /// Why a campaign cannot be sent; the reason is recorded against each of its tokens.
    public struct ContentError: Error, Sendable, Equatable {
        public var reason: String
    }
}
