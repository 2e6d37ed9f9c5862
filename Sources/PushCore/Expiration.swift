/// Until when APNs should keep trying to deliver a notification.
public struct Expiration: Hashable, Sendable {
    /// UNIX seconds; 0 means "deliver now or never", the wire's encoding of ``immediately``.
    public let secondsSince1970: UInt32

    private init(uncheckedSeconds: UInt32) {
        self.secondsSince1970 = uncheckedSeconds
    }

    /// Try once; if the device cannot be reached now, discard the notification.
    public static let immediately = Expiration(uncheckedSeconds: 0)

    /// Store and retry until `seconds` (UNIX time). Zero means ``immediately``.
    public init(secondsSince1970 seconds: Int64) throws(ValidationError) {
        guard let value = UInt32(exactly: seconds) else { throw .expirationOutOfRange(seconds) }
        self.secondsSince1970 = value
    }
}
