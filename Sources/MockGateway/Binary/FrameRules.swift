/// The limits the gateway enforces while parsing. Defaults follow Apple's documentation.
public struct FrameRules: Sendable, Hashable {
    /// Token lengths accepted; anything else is status 5. Apple's tokens are 32 bytes; the 2018
    /// guide allows "up to 100", so the range is clamped to 1...100.
    public var tokenLengths: ClosedRange<Int>
    /// Largest payload for commands 0 and 1 (Apple documents 256; libraries sent up to 2,048).
    public var legacyPayloadLimit: Int
    /// Largest payload for command 2 (2,048 since iOS 8).
    public var framePayloadLimit: Int
    /// Largest command-2 frame length the gateway buffers. A larger length field means the
    /// framing is lost: the connection is closed without a response, as APNs does.
    public var maximumFrameLength: Int

    public init(
        tokenLengths: ClosedRange<Int> = 32...32,
        legacyPayloadLimit: Int = 256,
        framePayloadLimit: Int = 2048,
        maximumFrameLength: Int = 16_384
    ) {
        self.tokenLengths = tokenLengths.clamped(to: 1...100)
        self.legacyPayloadLimit = legacyPayloadLimit
        self.framePayloadLimit = framePayloadLimit
        self.maximumFrameLength = maximumFrameLength
    }
}
