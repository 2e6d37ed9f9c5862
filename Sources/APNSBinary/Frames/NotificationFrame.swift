import NIOCore

/// One notification as the binary gateway receives it, in any of the three wire formats.
///
/// This is a value only: it is encoded by `NotificationFrameEncoder` (client) and produced by the
/// mock gateway's decoder (server). Validation of tokens and payloads happens before a frame is
/// built, so an encoder never meets an invalid one.
public struct NotificationFrame: Hashable, Sendable {
    /// The command byte that selects the layout.
    public enum Format: UInt8, Hashable, Sendable, CaseIterable {
        /// Command 0: token and payload only; no identifier, no error response.
        case simple = 0
        /// Command 1: identifier, expiry, token, payload (≤ 256-byte payloads documented).
        case enhanced = 1
        /// Command 2: a length-prefixed frame of items 1–5 (≤ 2,048-byte payloads).
        case frame = 2
    }

    /// Item identifiers of the frame format (command 2).
    public enum Item: UInt8, Sendable, CaseIterable {
        case deviceToken = 1
        case payload = 2
        case identifier = 3
        case expiration = 4
        case priority = 5
    }

    public var format: Format
    /// Echoed by the gateway in an error response. Ignored by the simple format.
    public var identifier: UInt32
    /// The device token in binary form (32 bytes today; Apple allows up to 100).
    public var deviceToken: ByteBuffer
    /// The JSON payload, not NUL-terminated.
    public var payload: ByteBuffer
    /// UNIX seconds after which the gateway should stop trying; 0 means "deliver now or never".
    public var expiration: UInt32
    /// 10 (send now) or 5 (power-friendly). Only the frame format carries it.
    public var priority: UInt8

    public init(
        format: Format = .frame,
        identifier: UInt32,
        deviceToken: ByteBuffer,
        payload: ByteBuffer,
        expiration: UInt32 = 0,
        priority: UInt8 = 10
    ) {
        self.format = format
        self.identifier = identifier
        self.deviceToken = deviceToken
        self.payload = payload
        self.expiration = expiration
        self.priority = priority
    }
}
