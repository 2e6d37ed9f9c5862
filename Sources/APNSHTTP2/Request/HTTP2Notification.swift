import Foundation
import PushCore

/// One notification to send over HTTP/2: a token, the campaign's content, the caller's opaque tag
/// (it comes back with the outcome), and optionally the `apns-id` to send (APNs makes one up
/// when it is absent and returns it either way).
public struct HTTP2Notification: Sendable, Hashable {
    /// Chosen by the caller (typically the job's row id and recipient); the pool never interprets it.
    public var tag: UInt64
    public var deviceToken: DeviceToken
    public var content: HTTP2NotificationContent
    public var apnsID: UUID?

    public init(tag: UInt64, deviceToken: DeviceToken, content: HTTP2NotificationContent, apnsID: UUID? = nil) {
        self.tag = tag
        self.deviceToken = deviceToken
        self.content = content
        self.apnsID = apnsID
    }
}
