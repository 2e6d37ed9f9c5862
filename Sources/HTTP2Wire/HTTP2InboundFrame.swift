import NIOCore

/// A frame from the peer, decoded by ``HTTP2FrameDecoder``; padding and priority fields are
/// already stripped.
public enum HTTP2InboundFrame: Sendable, Hashable {
    case data(streamID: UInt32, payload: ByteBuffer, endStream: Bool, flowControlledLength: Int)
    /// A header block fragment; `endHeaders` false means CONTINUATION frames follow.
    case headers(streamID: UInt32, fragment: ByteBuffer, endStream: Bool, endHeaders: Bool)
    case continuation(streamID: UInt32, fragment: ByteBuffer, endHeaders: Bool)
    case rstStream(streamID: UInt32, errorCode: UInt32)
    /// A SETTINGS frame (not an acknowledgement): identifier and value pairs in order.
    case settings([HTTP2SettingValue])
    case settingsAcknowledged
    case ping(opaque: UInt64, ack: Bool)
    case goAway(lastStreamID: UInt32, errorCode: UInt32, debugData: ByteBuffer)
    case windowUpdate(streamID: UInt32, increment: UInt32)
    /// PUSH_PROMISE (forbidden by pushworker's SETTINGS_ENABLE_PUSH 0; never sent by a client).
    case pushPromise(streamID: UInt32)
    /// PRIORITY, and frame types not known here (ignored, as RFC 9113 §5.5 says).
    case ignored(type: UInt8)
}

/// One entry of a SETTINGS frame.
public struct HTTP2SettingValue: Sendable, Hashable {
    public var identifier: UInt16
    public var value: UInt32

    public init(_ identifier: UInt16, _ value: UInt32) {
        self.identifier = identifier
        self.value = value
    }
}
