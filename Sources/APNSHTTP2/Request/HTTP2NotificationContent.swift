import Foundation
import NIOCore
import PushCore

/// What every notification of a campaign shares on the HTTP/2 API: payload, push type, topic,
/// priority, expiration and collapse id, validated once when the campaign is loaded. Copying it is
/// cheap (the payload bytes are shared).
public struct HTTP2NotificationContent: Sendable, Hashable {
    /// The JSON payload, sent byte for byte.
    public let payload: ByteBuffer
    public let pushType: PushType
    /// The full `apns-topic`, suffix included (see ``PushType/topic(forBundleID:)``).
    public let topic: String
    public let priority: HTTP2Priority
    /// `nil`: no `apns-expiration` header (Apple's storage policy). ``Expiration/immediately``: 0,
    /// one attempt. Otherwise store and retry until then.
    public let expiration: Expiration?
    /// At most 64 bytes; notifications with the same id are shown as one.
    public let collapseID: String?

    /// The largest `apns-collapse-id`, in bytes.
    public static let maximumCollapseIDBytes = 64

    /// Checks the combination and prepares it for the wire.
    ///
    /// - Parameters:
    ///   - bundleID: the app's topic; the push type's suffix is appended when missing.
    /// - Throws: ``HTTP2ContentError`` when the payload is larger than the push type allows
    ///   (4,096 bytes; 5,120 for VoIP), the collapse id is longer than 64 bytes, a background push
    ///   has a priority other than 5, the topic is empty, or the topic or collapse id holds a
    ///   byte no header value may hold (``HTTP2FieldValue``).
    public init(
        payload: Payload, pushType: PushType = .alert, bundleID: String, priority: HTTP2Priority = .immediate,
        expiration: Expiration? = nil, collapseID: String? = nil
    ) throws(HTTP2ContentError) {
        let limit = pushType.payloadLimitBytes
        guard payload.bytes.count <= limit else {
            throw HTTP2ContentError("payload is \(payload.bytes.count) bytes; push type \(pushType) allows at most \(limit)")
        }
        guard !bundleID.isEmpty else { throw HTTP2ContentError("the topic (bundle id) is empty") }
        if let problem = HTTP2FieldValue.problem(in: bundleID) {
            throw HTTP2ContentError("the topic (bundle id) \(problem); it cannot be an HTTP/2 header value")
        }
        if let collapseID {
            guard !collapseID.isEmpty, collapseID.utf8.count <= Self.maximumCollapseIDBytes else {
                throw HTTP2ContentError(
                    "collapse id is \(collapseID.utf8.count) bytes; it must have 1 to \(Self.maximumCollapseIDBytes)")
            }
            if let problem = HTTP2FieldValue.problem(in: collapseID) {
                throw HTTP2ContentError("collapse id \(problem); it cannot be an HTTP/2 header value")
            }
        }
        if pushType == .background && priority != .considerPower {
            throw HTTP2ContentError("push type background must be sent with priority 5, not \(priority)")
        }
        self.payload = ByteBuffer(bytes: payload.bytes)
        self.pushType = pushType
        self.topic = pushType.topic(forBundleID: bundleID)
        self.priority = priority
        self.expiration = expiration
        self.collapseID = collapseID
    }
}
