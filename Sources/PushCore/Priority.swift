/// How urgently APNs should deliver a notification.
public struct Priority: Hashable, Sendable {
    public let rawValue: UInt8

    private init(uncheckedRawValue: UInt8) {
        self.rawValue = uncheckedRawValue
    }

    /// 10: deliver now. The payload must produce an alert, sound or badge.
    public static let immediate = Priority(uncheckedRawValue: 10)
    /// 5: deliver when it suits the device's power; may be grouped, throttled or dropped.
    public static let considerPower = Priority(uncheckedRawValue: 5)

    /// Accepts the values the binary protocol knows (10 and 5).
    public init(binary value: Int) throws(ValidationError) {
        switch value {
        case 10: self = .immediate
        case 5: self = .considerPower
        default: throw .priorityNotSupported(value)
        }
    }
}
