/// The largest payload each APNs format accepts, in bytes.
public struct PayloadLimit: Hashable, Sendable {
    public let byteCount: Int
    /// What the limit applies to, for messages ("binary frame format").
    public let name: String

    public init(byteCount: Int, name: String) {
        self.byteCount = byteCount
        self.name = name
    }

    /// Binary protocol, enhanced format (command 1): 256 bytes, as Apple documents it.
    public static let binaryEnhanced = PayloadLimit(byteCount: 256, name: "the binary enhanced format")
    /// Binary protocol, frame format (command 2): 2,048 bytes.
    public static let binaryFrame = PayloadLimit(byteCount: 2_048, name: "the binary frame format")
    /// HTTP/2 API, every push type but VoIP: 4,096 bytes.
    public static let http2 = PayloadLimit(byteCount: 4_096, name: "HTTP/2")
    /// HTTP/2 API, VoIP pushes: 5,120 bytes.
    public static let http2VoIP = PayloadLimit(byteCount: 5_120, name: "HTTP/2 VoIP")
}

extension PayloadLimit: CustomStringConvertible {
    public var description: String { name }
}
