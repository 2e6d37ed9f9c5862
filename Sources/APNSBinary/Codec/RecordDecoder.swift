import NIOCore

/// A decoder for a stream of self-delimiting records, such as error responses and feedback tuples.
///
/// A conforming type only says how to read one record (or that more bytes are needed); this
/// extension adapts it to `ByteToMessageDecoder` and reports bytes left over at EOF as a
/// ``GatewayProtocolError`` with the type's ``truncationCode`` instead of dropping them.
public protocol RecordDecoder: ByteToMessageDecoder {
    /// Reads one record from the front of `buffer`, or returns `nil` without consuming anything.
    static func decode(_ buffer: inout ByteBuffer) throws -> InboundOut?
    /// The error code for a stream that ends inside a record.
    static var truncationCode: GatewayProtocolError.Code { get }
}

extension RecordDecoder {
    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let record = try Self.decode(&buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(record))
        return .continue
    }

    public mutating func decodeLast(
        context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool
    ) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        if buffer.readableBytes > 0 {
            let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
            throw GatewayProtocolError(code: Self.truncationCode, bytes: bytes)
        }
        return .needMoreData
    }
}
