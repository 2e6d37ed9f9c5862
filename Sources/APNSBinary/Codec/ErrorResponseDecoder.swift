import NIOCore

/// Decodes the gateway's 6-byte error response: `08 | status:1 | identifier:4 BE`.
///
/// A first byte other than 8 is a ``GatewayProtocolError`` with code `unexpectedCommand` carrying
/// the bytes; a connection that ends inside a response is `truncatedErrorResponse`.
public struct ErrorResponseDecoder: RecordDecoder, Sendable {
    public typealias InboundOut = ErrorResponse

    public init() {}

    public static let truncationCode = GatewayProtocolError.Code.truncatedErrorResponse

    /// Reads one response from the front of `buffer`, or nothing if it is still incomplete.
    public static func decode(_ buffer: inout ByteBuffer) throws -> ErrorResponse? {
        guard let command = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return nil }
        guard command == ErrorResponse.command else {
            let bytes = buffer.readBytes(length: min(buffer.readableBytes, ErrorResponse.byteCount)) ?? []
            throw GatewayProtocolError(code: .unexpectedCommand, bytes: bytes)
        }
        guard let (_, status, identifier) = buffer.readMultipleIntegers(
            endianness: .big, as: (UInt8, UInt8, UInt32).self)
        else { return nil }
        return ErrorResponse(status: BinaryStatus(rawValue: status), identifier: identifier)
    }
}
