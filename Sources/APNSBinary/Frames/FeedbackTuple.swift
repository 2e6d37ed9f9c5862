import NIOCore

/// One record of the feedback service: `<timestamp:4 BE> <token length:2 BE> <token>`.
///
/// The token length is read from the wire, never assumed to be 32.
public struct FeedbackTuple: Hashable, Sendable {
    /// UNIX seconds at which APNs found the app gone from the device.
    public var timestamp: UInt32
    /// The device token in binary form.
    public var deviceToken: ByteBuffer

    public init(timestamp: UInt32, deviceToken: ByteBuffer) {
        self.timestamp = timestamp
        self.deviceToken = deviceToken
    }
}
