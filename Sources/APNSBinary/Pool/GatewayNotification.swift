import NIOCore
import PushCore

/// What every notification of a campaign shares: payload, format, expiration and priority,
/// validated once when the campaign is loaded. Copying it is cheap (the payload bytes are shared).
public struct NotificationContent: Sendable, Hashable {
    /// The wire format: `.frame` (command 2, 2,048-byte payloads) or `.enhanced` (command 1,
    /// 256-byte payloads, no priority).
    public let format: NotificationFrame.Format
    /// The JSON payload, shared by every notification that carries this content.
    public let payload: ByteBuffer
    public let expiration: Expiration
    public let priority: Priority

    /// Checks `payload` against the limit of `format` (it may have been validated against a
    /// larger one) and prepares it for the wire.
    public init(
        payload: Payload,
        format: NotificationFrame.Format = .frame,
        expiration: Expiration = .immediately,
        priority: Priority = .immediate
    ) throws(ValidationError) {
        let limit: PayloadLimit = format == .frame ? .binaryFrame : .binaryEnhanced
        guard payload.bytes.count <= limit.byteCount else {
            throw .payloadTooLarge(byteCount: payload.bytes.count, limit: limit)
        }
        self.format = format
        self.payload = ByteBuffer(bytes: payload.bytes)
        self.expiration = expiration
        self.priority = priority
    }
}

/// One notification to send: a token, the campaign's content, and the caller's opaque tag, which
/// comes back with the notification's outcome.
public struct GatewayNotification: Sendable, Hashable {
    /// Chosen by the caller (typically the job's row id); the pool never interprets it.
    public var tag: UInt64
    public var deviceToken: DeviceToken
    public var content: NotificationContent

    public init(tag: UInt64, deviceToken: DeviceToken, content: NotificationContent) {
        self.tag = tag
        self.deviceToken = deviceToken
        self.content = content
    }
}

/// How one notification ended. Every submitted notification gets exactly one outcome.
public struct GatewayOutcome: Sendable, Hashable {
    public enum Result: Sendable, Hashable {
        /// Proven accepted by the gateway: a later error response or the probe's answer showed
        /// the gateway processed it. See the module documentation for what this does not mean.
        case accepted
        /// The gateway rejected this notification with `status` (never `.shutdown`).
        case rejected(BinaryStatus)
        /// The pool gave up on it; the caller may requeue it later (see ``GatewayFailure``).
        case failed(GatewayFailure)
    }

    public var tag: UInt64
    public var result: Result

    public init(tag: UInt64, result: Result) {
        self.tag = tag
        self.result = result
    }
}

/// A notification the pool holds: the caller's notification plus how often it was on a connection
/// that ended without proving anything about it.
struct PendingNotification: Sendable {
    var notification: GatewayNotification
    var unprovenAttempts: UInt8 = 0
}
