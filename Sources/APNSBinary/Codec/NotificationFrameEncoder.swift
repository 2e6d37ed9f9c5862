import NIOCore

/// Writes notifications in the layout of their ``NotificationFrame/Format``.
///
/// As a `MessageToByteEncoder` it encodes one ``NotificationFrame`` per call. The connection handler
/// does not put it in the pipeline: it calls ``write(format:identifier:deviceToken:payload:expiration:priority:into:)``
/// directly so that hundreds of frames share one buffer and one TLS record (the way PostgresNIO's
/// handler drives its frontend encoder). Both paths run the same code.
///
/// Layouts (all integers big-endian, Apple's binary provider guide, tables ):
/// - command 0: `00 | token len:2 | token | payload len:2 | payload`
/// - command 1: `01 | identifier:4 | expiry:4 | token len:2 | token | payload len:2 | payload`
/// - command 2: `02 | frame len:4 | items`, each item `id:1 | len:2 | data`, items 1 (token),
///   2 (payload), 3 (identifier), 4 (expiry), 5 (priority), in that order.
///
/// Inputs were validated before a frame was built (PushCore), so lengths always fit their fields.
public struct NotificationFrameEncoder: MessageToByteEncoder, Sendable {
    public typealias OutboundIn = NotificationFrame

    public init() {}

    public func encode(data frame: NotificationFrame, out: inout ByteBuffer) {
        Self.write(
            format: frame.format, identifier: frame.identifier,
            deviceToken: frame.deviceToken.readableBytesView, payload: frame.payload,
            expiration: frame.expiration, priority: frame.priority, into: &out)
    }

    /// The encoded size of a frame-format notification: 5 header bytes, 3 per item, 9 for the
    /// fixed-size items' data, plus token and payload.
    @inlinable
    public static func frameFormatByteCount(tokenCount: Int, payloadCount: Int) -> Int {
        5 + 5 * 3 + 4 + 4 + 1 + tokenCount + payloadCount
    }

    /// Appends one notification to `out`.
    @inlinable
    public static func write<Token: Collection>(
        format: NotificationFrame.Format,
        identifier: UInt32,
        deviceToken: Token,
        payload: ByteBuffer,
        expiration: UInt32,
        priority: UInt8,
        into out: inout ByteBuffer
    ) where Token.Element == UInt8 {
        let tokenCount = UInt16(truncatingIfNeeded: deviceToken.count)
        let payloadCount = UInt16(truncatingIfNeeded: payload.readableBytes)
        switch format {
        case .simple:
            out.writeMultipleIntegers(format.rawValue, tokenCount, endianness: .big)
            out.writeBytes(deviceToken)
            out.writeInteger(payloadCount, endianness: .big)
            out.writeImmutableBuffer(payload)
        case .enhanced:
            out.writeMultipleIntegers(format.rawValue, identifier, expiration, tokenCount, endianness: .big)
            out.writeBytes(deviceToken)
            out.writeInteger(payloadCount, endianness: .big)
            out.writeImmutableBuffer(payload)
        case .frame:
            let total = frameFormatByteCount(tokenCount: Int(tokenCount), payloadCount: Int(payloadCount))
            out.reserveCapacity(minimumWritableBytes: total)
            out.writeMultipleIntegers(
                format.rawValue, UInt32(total - 5),
                NotificationFrame.Item.deviceToken.rawValue, tokenCount, endianness: .big)
            out.writeBytes(deviceToken)
            out.writeMultipleIntegers(NotificationFrame.Item.payload.rawValue, payloadCount, endianness: .big)
            out.writeImmutableBuffer(payload)
            out.writeMultipleIntegers(
                NotificationFrame.Item.identifier.rawValue, UInt16(4), identifier,
                NotificationFrame.Item.expiration.rawValue, UInt16(4), expiration,
                NotificationFrame.Item.priority.rawValue, UInt16(1), priority,
                endianness: .big)
        }
    }
}
