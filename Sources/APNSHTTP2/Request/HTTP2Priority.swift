/// The `apns-priority` header. The HTTP/2 API knows one value more than the binary protocol (1).
public struct HTTP2Priority: Sendable, Hashable, CustomStringConvertible {
    /// 10, 5 or 1.
    public let rawValue: Int

    private init(unchecked rawValue: Int) {
        self.rawValue = rawValue
    }

    /// 10: deliver at once (the default). The payload must produce an alert, sound or badge.
    public static let immediate = HTTP2Priority(unchecked: 10)
    /// 5: deliver when it suits the device's power; may be grouped, throttled or dropped.
    public static let considerPower = HTTP2Priority(unchecked: 5)
    /// 1: prioritise the device's power over everything; never wakes the device.
    public static let powerFirst = HTTP2Priority(unchecked: 1)

    /// The priority `value` (10, 5 or 1); `nil` for any other number.
    public init?(rawValue value: Int) {
        switch value {
        case 10, 5, 1: self.rawValue = value
        default: return nil
        }
    }

    public var description: String { String(rawValue) }
}
