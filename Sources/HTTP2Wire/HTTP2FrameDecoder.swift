import NIOCore

/// Splits the decrypted byte stream from the peer into ``HTTP2InboundFrame``s. Framing rules
/// only (the client preface on a server, lengths, padding, fixed sizes); what a frame means for
/// the connection is the handler's business. A violation is thrown as ``HTTP2WireError`` and ends
/// the connection.
public struct HTTP2FrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = HTTP2InboundFrame

    private var awaitingPreface: Bool

    /// - Parameter expectingClientPreface: `true` on a server: the stream starts with the client
    ///   preface, which is checked and consumed.
    public init(expectingClientPreface: Bool = false) {
        self.awaitingPreface = expectingClientPreface
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        if awaitingPreface {
            let length = HTTP2Wire.preface.utf8CodeUnitCount
            guard buffer.readableBytes >= length else { return .needMoreData }
            let preface = HTTP2Wire.preface.withUTF8Buffer { Array($0) }
            guard buffer.readBytes(length: length) == preface else {
                throw HTTP2WireError("the connection did not start with the HTTP/2 client preface", code: HTTP2Wire.ErrorCode.protocolError)
            }
            awaitingPreface = false
        }
        guard let frame = try Self.nextFrame(from: &buffer) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(frame))
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // A partial frame at the end is dropped with the connection.
        try decode(context: context, buffer: &buffer)
    }

    /// Reads one whole frame off `buffer`, or nothing when it is not all there yet.
    public static func nextFrame(from buffer: inout ByteBuffer) throws(HTTP2WireError) -> HTTP2InboundFrame? {
        guard buffer.readableBytes >= HTTP2Wire.frameHeaderLength,
            let high = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self),
            let low = buffer.getInteger(at: buffer.readerIndex + 1, as: UInt16.self)
        else { return nil }
        let length = Int(high) << 16 | Int(low)
        guard length <= HTTP2Wire.maximumFrameLength else {
            throw HTTP2WireError("a \(length)-byte frame exceeds SETTINGS_MAX_FRAME_SIZE \(HTTP2Wire.maximumFrameLength)", code: HTTP2Wire.ErrorCode.frameSizeError)
        }
        guard buffer.readableBytes >= HTTP2Wire.frameHeaderLength + length else { return nil }
        buffer.moveReaderIndex(forwardBy: 3)
        let type = buffer.readInteger(as: UInt8.self)!
        let flags = buffer.readInteger(as: UInt8.self)!
        let streamID = buffer.readInteger(as: UInt32.self)! & 0x7FFF_FFFF
        var payload = buffer.readSlice(length: length)!
        guard let known = HTTP2Wire.FrameType(rawValue: type) else { return .ignored(type: type) }
        return try frame(known, flags: flags, streamID: streamID, payload: &payload, length: length)
    }

    private static func frame(
        _ type: HTTP2Wire.FrameType, flags: UInt8, streamID: UInt32, payload: inout ByteBuffer, length: Int
    ) throws(HTTP2WireError) -> HTTP2InboundFrame {
        switch type {
        case .data:
            try requireStream(streamID, type)
            try stripPadding(&payload, flags: flags, type)
            return .data(streamID: streamID, payload: payload, endStream: flags & HTTP2Wire.Flag.endStream != 0, flowControlledLength: length)
        case .headers:
            try requireStream(streamID, type)
            try stripPadding(&payload, flags: flags, type)
            if flags & HTTP2Wire.Flag.priority != 0 {
                guard payload.readableBytes >= 5 else { throw malformed(type, "has no room for its priority fields") }
                payload.moveReaderIndex(forwardBy: 5)
            }
            return .headers(
                streamID: streamID, fragment: payload, endStream: flags & HTTP2Wire.Flag.endStream != 0,
                endHeaders: flags & HTTP2Wire.Flag.endHeaders != 0)
        case .continuation:
            try requireStream(streamID, type)
            return .continuation(streamID: streamID, fragment: payload, endHeaders: flags & HTTP2Wire.Flag.endHeaders != 0)
        case .priority:
            guard length == 5 else { throw sizeError(type, length) }
            return .ignored(type: type.rawValue)
        case .rstStream:
            try requireStream(streamID, type)
            guard length == 4 else { throw sizeError(type, length) }
            return .rstStream(streamID: streamID, errorCode: payload.readInteger()!)
        case .settings:
            try requireConnection(streamID, type)
            if flags & HTTP2Wire.Flag.ack != 0 {
                guard length == 0 else { throw sizeError(type, length) }
                return .settingsAcknowledged
            }
            guard length % 6 == 0 else { throw sizeError(type, length) }
            var values: [HTTP2SettingValue] = []
            values.reserveCapacity(length / 6)
            while let identifier = payload.readInteger(as: UInt16.self), let value = payload.readInteger(as: UInt32.self) {
                values.append(HTTP2SettingValue(identifier, value))
            }
            return .settings(values)
        case .pushPromise:
            return .pushPromise(streamID: streamID)
        case .ping:
            try requireConnection(streamID, type)
            guard length == 8 else { throw sizeError(type, length) }
            return .ping(opaque: payload.readInteger()!, ack: flags & HTTP2Wire.Flag.ack != 0)
        case .goAway:
            try requireConnection(streamID, type)
            guard length >= 8 else { throw sizeError(type, length) }
            let last = payload.readInteger(as: UInt32.self)! & 0x7FFF_FFFF
            let code = payload.readInteger(as: UInt32.self)!
            return .goAway(lastStreamID: last, errorCode: code, debugData: payload)
        case .windowUpdate:
            guard length == 4 else { throw sizeError(type, length) }
            let increment = payload.readInteger(as: UInt32.self)! & 0x7FFF_FFFF
            guard increment > 0 else { throw malformed(type, "has an increment of 0") }
            return .windowUpdate(streamID: streamID, increment: increment)
        }
    }

    private static func stripPadding(_ payload: inout ByteBuffer, flags: UInt8, _ type: HTTP2Wire.FrameType) throws(HTTP2WireError) {
        guard flags & HTTP2Wire.Flag.padded != 0 else { return }
        guard let padding = payload.readInteger(as: UInt8.self), Int(padding) <= payload.readableBytes else {
            throw malformed(type, "has more padding than payload")
        }
        payload = payload.getSlice(at: payload.readerIndex, length: payload.readableBytes - Int(padding))!
    }

    private static func requireStream(_ streamID: UInt32, _ type: HTTP2Wire.FrameType) throws(HTTP2WireError) {
        if streamID == 0 { throw malformed(type, "came on stream 0") }
    }

    private static func requireConnection(_ streamID: UInt32, _ type: HTTP2Wire.FrameType) throws(HTTP2WireError) {
        if streamID != 0 { throw malformed(type, "came on stream \(streamID), not 0") }
    }

    private static func sizeError(_ type: HTTP2Wire.FrameType, _ length: Int) -> HTTP2WireError {
        HTTP2WireError("a \(type) frame of \(length) bytes has the wrong size", code: HTTP2Wire.ErrorCode.frameSizeError)
    }

    private static func malformed(_ type: HTTP2Wire.FrameType, _ what: String) -> HTTP2WireError {
        HTTP2WireError("a \(type) frame \(what)", code: HTTP2Wire.ErrorCode.protocolError)
    }
}

/// The peer broke HTTP/2's framing or a rule the connection relies on: the connection ends with
/// GOAWAY carrying `code`.
public struct HTTP2WireError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String
    /// The RFC 9113 error code for the GOAWAY.
    public let code: UInt32

    public init(_ message: String, code: UInt32) {
        self.message = message
        self.code = code
    }

    public var description: String { "HTTP/2 \(HTTP2Wire.ErrorCode.name(code)): \(message)" }
}
