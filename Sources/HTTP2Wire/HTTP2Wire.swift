import NIOCore

/// The numbers of RFC 9113 that pushworker's HTTP/2 wire layer uses — frame types, flags,
/// settings, error codes, the connection preface — and the writers of the frames both sides
/// send. The client (APNSHTTP2) and the mock gateway's server share it; what a frame means for a
/// connection is each side's business.
public enum HTTP2Wire {
    /// The client connection preface (RFC 9113 §3.4), sent before our SETTINGS.
    public static let preface: StaticString = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
    /// Every frame starts with this many bytes: length (24 bits), type, flags, stream id (31 bits).
    public static let frameHeaderLength = 9
    /// SETTINGS_MAX_FRAME_SIZE we announce (the protocol's initial value): longer frames are a
    /// connection error.
    public static let maximumFrameLength = 16_384
    /// The flow-control window both sides start with (RFC 9113 §6.9.2).
    public static let initialWindowSize = 65_535

    public enum FrameType: UInt8, Sendable {
        case data = 0x0, headers = 0x1, priority = 0x2, rstStream = 0x3, settings = 0x4
        case pushPromise = 0x5, ping = 0x6, goAway = 0x7, windowUpdate = 0x8, continuation = 0x9
    }

    public enum Flag {
        public static let endStream: UInt8 = 0x1
        public static let ack: UInt8 = 0x1
        public static let endHeaders: UInt8 = 0x4
        public static let padded: UInt8 = 0x8
        public static let priority: UInt8 = 0x20
    }

    public enum Setting {
        public static let headerTableSize: UInt16 = 0x1
        public static let enablePush: UInt16 = 0x2
        public static let maxConcurrentStreams: UInt16 = 0x3
        public static let initialWindowSize: UInt16 = 0x4
        public static let maxFrameSize: UInt16 = 0x5
    }

    public enum ErrorCode {
        public static let noError: UInt32 = 0x0
        public static let protocolError: UInt32 = 0x1
        public static let flowControlError: UInt32 = 0x3
        public static let frameSizeError: UInt32 = 0x6
        public static let refusedStream: UInt32 = 0x7
        public static let compressionError: UInt32 = 0x9

        /// The RFC's name of `code`, for messages.
        public static func name(_ code: UInt32) -> String {
            let names = [
                "NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR", "FLOW_CONTROL_ERROR", "SETTINGS_TIMEOUT",
                "STREAM_CLOSED", "FRAME_SIZE_ERROR", "REFUSED_STREAM", "CANCEL", "COMPRESSION_ERROR",
                "CONNECT_ERROR", "ENHANCE_YOUR_CALM", "INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED",
            ]
            return code < names.count ? names[Int(code)] : "error 0x\(String(code, radix: 16))"
        }
    }

    /// Writes a frame header.
    public static func writeFrameHeader(
        into buffer: inout ByteBuffer, length: Int, type: FrameType, flags: UInt8 = 0, streamID: UInt32 = 0
    ) {
        buffer.writeInteger(UInt8(truncatingIfNeeded: length >> 16))
        buffer.writeInteger(UInt16(truncatingIfNeeded: length))
        buffer.writeInteger(type.rawValue)
        buffer.writeInteger(flags)
        buffer.writeInteger(streamID & 0x7FFF_FFFF)
    }

    /// A HEADERS frame carrying a whole header block (END_HEADERS).
    public static func writeHeaders(_ block: ByteBuffer, streamID: UInt32, endStream: Bool, into buffer: inout ByteBuffer) {
        writeFrameHeader(
            into: &buffer, length: block.readableBytes, type: .headers,
            flags: Flag.endHeaders | (endStream ? Flag.endStream : 0), streamID: streamID)
        buffer.writeImmutableBuffer(block)
    }

    public static func writeData(_ bytes: ByteBuffer, streamID: UInt32, endStream: Bool, into buffer: inout ByteBuffer) {
        writeFrameHeader(into: &buffer, length: bytes.readableBytes, type: .data, flags: endStream ? Flag.endStream : 0, streamID: streamID)
        buffer.writeImmutableBuffer(bytes)
    }

    public static func writeSettings(_ values: [HTTP2SettingValue], into buffer: inout ByteBuffer) {
        writeFrameHeader(into: &buffer, length: 6 * values.count, type: .settings)
        for setting in values {
            buffer.writeInteger(setting.identifier)
            buffer.writeInteger(setting.value)
        }
    }

    public static func writeSettingsAcknowledgement(into buffer: inout ByteBuffer) {
        writeFrameHeader(into: &buffer, length: 0, type: .settings, flags: Flag.ack)
    }

    public static func writePing(_ opaque: UInt64, ack: Bool, into buffer: inout ByteBuffer) {
        writeFrameHeader(into: &buffer, length: 8, type: .ping, flags: ack ? Flag.ack : 0)
        buffer.writeInteger(opaque)
    }

    public static func writeWindowUpdate(_ increment: Int, streamID: UInt32 = 0, into buffer: inout ByteBuffer) {
        writeFrameHeader(into: &buffer, length: 4, type: .windowUpdate, streamID: streamID)
        buffer.writeInteger(UInt32(increment) & 0x7FFF_FFFF)
    }

    public static func writeRstStream(streamID: UInt32, errorCode: UInt32, into buffer: inout ByteBuffer) {
        writeFrameHeader(into: &buffer, length: 4, type: .rstStream, streamID: streamID)
        buffer.writeInteger(errorCode)
    }

    public static func writeGoAway(lastStreamID: UInt32, errorCode: UInt32, debugData: ByteBuffer? = nil, into buffer: inout ByteBuffer) {
        writeFrameHeader(into: &buffer, length: 8 + (debugData?.readableBytes ?? 0), type: .goAway)
        buffer.writeInteger(lastStreamID & 0x7FFF_FFFF)
        buffer.writeInteger(errorCode)
        if let debugData { buffer.writeImmutableBuffer(debugData) }
    }
}
