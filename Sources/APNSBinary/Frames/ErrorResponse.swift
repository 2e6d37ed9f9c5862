/// The only message the binary gateway ever sends: six bytes, `08 <status> <identifier:4 BE>`,
/// written just before it closes the connection.
public struct ErrorResponse: Hashable, Sendable {
    /// The command byte that starts every error response.
    public static let command: UInt8 = 8
    /// The size of an error response on the wire.
    public static let byteCount = 6

    public var status: BinaryStatus
    /// The notification the status is about: the failed one, or for `.shutdown` the last accepted
    /// one. Zero means the gateway did not say.
    public var identifier: UInt32

    public init(status: BinaryStatus, identifier: UInt32) {
        self.status = status
        self.identifier = identifier
    }
}
