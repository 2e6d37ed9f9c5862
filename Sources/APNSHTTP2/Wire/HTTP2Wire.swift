import NIOCore

/// The numbers of RFC 9113 this client's wire layer uses: frame types, flags, settings, error
/// codes, the connection preface. Values only.
enum HTTP2Wire {
    /// The client connection preface (RFC 9113 §3.4), sent before our SETTINGS.
    static let preface: StaticString = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
    /// Every frame starts with this many bytes: length (24 bits), type, flags, stream id (31 bits).
    static let frameHeaderLength = 9
    /// SETTINGS_MAX_FRAME_SIZE we announce (the protocol's initial value): longer frames are a
    /// connection error.
    static let maximumFrameLength = 16_384
    /// The flow-control window both sides start with (RFC 9113 §6.9.2).
    static let initialWindowSize = 65_535

    enum FrameType: UInt8 {
        case data = 0x0, headers = 0x1, priority = 0x2, rstStream = 0x3, settings = 0x4
        case pushPromise = 0x5, ping = 0x6, goAway = 0x7, windowUpdate = 0x8, continuation = 0x9
    }

    enum Flag {
        static let endStream: UInt8 = 0x1
        static let ack: UInt8 = 0x1
        static let endHeaders: UInt8 = 0x4
        static let padded: UInt8 = 0x8
        static let priority: UInt8 = 0x20
    }

    enum Setting {
        static let headerTableSize: UInt16 = 0x1
        static let enablePush: UInt16 = 0x2
        static let maxConcurrentStreams: UInt16 = 0x3
        static let initialWindowSize: UInt16 = 0x4
        static let maxFrameSize: UInt16 = 0x5
    }

    enum ErrorCode {
        static let noError: UInt32 = 0x0
        static let protocolError: UInt32 = 0x1
        static let flowControlError: UInt32 = 0x3
        static let frameSizeError: UInt32 = 0x6
        static let refusedStream: UInt32 = 0x7
        static let compressionError: UInt32 = 0x9

        /// The RFC's name of `code`, for messages.
        static func name(_ code: UInt32) -> String {
            let names = [
                "NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR", "FLOW_CONTROL_ERROR", "SETTINGS_TIMEOUT",
                "STREAM_CLOSED", "FRAME_SIZE_ERROR", "REFUSED_STREAM", "CANCEL", "COMPRESSION_ERROR",
                "CONNECT_ERROR", "ENHANCE_YOUR_CALM", "INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED",
            ]
            return code < names.count ? names[Int(code)] : "error 0x\(String(code, radix: 16))"
        }
    }

    /// Writes a frame header.
    static func writeFrameHeader(
        into buffer: inout ByteBuffer, length: Int, type: FrameType, flags: UInt8 = 0, streamID: UInt32 = 0
    ) {
        buffer.writeInteger(UInt8(truncatingIfNeeded: length >> 16))
        buffer.writeInteger(UInt16(truncatingIfNeeded: length))
        buffer.writeInteger(type.rawValue)
        buffer.writeInteger(flags)
        buffer.writeInteger(streamID & 0x7FFF_FFFF)
    }
}
