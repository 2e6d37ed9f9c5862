import Foundation
import NIOCore
import NIOHPACK

/// The request for one notification as a header list: `POST /3/device/<hex token>` with the
/// `apns-*` headers and the payload as body. Values only: the specification of what a request
/// carries. The connection does not build one per notification — its encoder writes the same
/// list with the shared part encoded once per campaign (the tests hold the two equal), every
/// field a literal without indexing.
public struct HTTP2Request: Sendable {
    public var headers: HPACKHeaders
    public var body: ByteBuffer

    /// - Parameters:
    ///   - authority: the gateway's host name (`:authority`).
    ///   - providerToken: the JWT for token authentication; `nil` on certificate connections.
    public init(notification: HTTP2Notification, authority: String, providerToken: String?) {
        self.init(notification: notification, authority: authority, authorization: providerToken.map(Self.authorization(bearing:)))
    }

    /// - Parameters:
    ///   - authorization: the whole `authorization` value (``authorization(bearing:)``), made once
    ///     per provider token rather than per request; `nil` on certificate connections.
    public init(notification: HTTP2Notification, authority: String, authorization: String?) {
        let content = notification.content
        var headers = HPACKHeaders()
        headers.reserveCapacity(12)
        headers.add(name: ":method", value: "POST")
        headers.add(name: ":scheme", value: "https")
        headers.add(name: ":authority", value: authority)
        headers.add(name: ":path", value: Self.path(for: notification), indexing: .nonIndexable)
        headers.add(name: "apns-push-type", value: content.pushType.headerValue)
        headers.add(name: "apns-topic", value: content.topic)
        headers.add(name: "apns-priority", value: String(content.priority.rawValue))
        if let expiration = content.expiration {
            headers.add(name: "apns-expiration", value: String(expiration.secondsSince1970), indexing: .nonIndexable)
        }
        if let collapseID = content.collapseID {
            headers.add(name: "apns-collapse-id", value: collapseID, indexing: .nonIndexable)
        }
        if let apnsID = notification.apnsID {
            headers.add(name: "apns-id", value: apnsID.uuidString.lowercased(), indexing: .nonIndexable)
        }
        if let authorization {
            headers.add(name: "authorization", value: authorization, indexing: .neverIndexed)
        }
        headers.add(name: "content-length", value: String(content.payload.readableBytes))
        self.headers = headers
        self.body = content.payload
    }

    /// The `authorization` value for a provider token.
    public static func authorization(bearing providerToken: String) -> String {
        "bearer " + providerToken
    }

    /// `/3/device/<token as lower-case hex>`.
    public static func path(for notification: HTTP2Notification) -> String {
        "/3/device/" + notification.deviceToken.hex
    }
}
