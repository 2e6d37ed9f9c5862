import NIOCore

/// Decodes feedback tuples: `timestamp:4 BE | token length:2 BE | token`.
///
/// The token length is read from the wire (Houston's fixed 38-byte records broke on other sizes).
/// A stream that ends inside a tuple is a ``GatewayProtocolError`` with code
/// `truncatedFeedbackTuple`, never silently dropped.
public struct FeedbackTupleDecoder: RecordDecoder, Sendable {
    public typealias InboundOut = FeedbackTuple

    public init() {}

    public static let truncationCode = GatewayProtocolError.Code.truncatedFeedbackTuple

    /// Reads one tuple from the front of `buffer`, or nothing if it is still incomplete.
    public static func decode(_ buffer: inout ByteBuffer) -> FeedbackTuple? {
        guard let (timestamp, length) = buffer.getMultipleIntegers(
            at: buffer.readerIndex, endianness: .big, as: (UInt32, UInt16).self),
            buffer.readableBytes >= 6 + Int(length)
        else { return nil }
        buffer.moveReaderIndex(forwardBy: 6)
        let token = buffer.readSlice(length: Int(length))!
        return FeedbackTuple(timestamp: timestamp, deviceToken: token)
    }
}
