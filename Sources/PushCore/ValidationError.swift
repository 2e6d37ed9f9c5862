/// Why a notification cannot be sent as given.
///
/// Every case names the problem and, where there is one, the offending value or position, so the
/// message can be recorded against the job that carried the input. Messages never quote a payload
/// (it may hold personal data); they quote positions and sizes instead.
public enum ValidationError: Error, Hashable, Sendable {
    /// The device token has no bytes (or the hex string is empty).
    case deviceTokenEmpty
    /// A hex device token must have an even number of digits; `digitCount` is what was given.
    case deviceTokenOddHexLength(digitCount: Int)
    /// A hex device token holds a character that is not `0-9`, `a-f` or `A-F`.
    case deviceTokenNotHex(character: Character, offset: Int)
    /// The device token is longer than Apple allows (``DeviceToken/maximumByteCount``).
    case deviceTokenTooLong(byteCount: Int)
    /// The payload has no bytes.
    case payloadEmpty
    /// The payload is larger than the format allows.
    case payloadTooLarge(byteCount: Int, limit: PayloadLimit)
    /// The payload is not well-formed JSON; `offset` is the byte where parsing stopped.
    case payloadNotJSON(offset: Int, reason: String)
    /// The payload is JSON, but its top level is not an object (`{...}`).
    case payloadNotJSONObject
    /// The binary protocol knows priorities 10 and 5 only.
    case priorityNotSupported(Int)
    /// An expiration must be a UNIX time in seconds that fits 32 bits, or zero.
    case expirationOutOfRange(Int64)
}

extension ValidationError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .deviceTokenEmpty:
            "device token is empty"
        case .deviceTokenOddHexLength(let digitCount):
            "device token has an odd number of hex digits (\(digitCount))"
        case .deviceTokenNotHex(let character, let offset):
            "device token has a non-hex character \(character.debugDescription) at offset \(offset)"
        case .deviceTokenTooLong(let byteCount):
            "device token is \(byteCount) bytes long; at most \(DeviceToken.maximumByteCount) are allowed"
        case .payloadEmpty:
            "payload is empty"
        case .payloadTooLarge(let byteCount, let limit):
            "payload is \(byteCount) bytes; \(limit) allows at most \(limit.byteCount)"
        case .payloadNotJSON(let offset, let reason):
            "payload is not valid JSON: \(reason) at byte \(offset)"
        case .payloadNotJSONObject:
            "payload must be a JSON object ({...})"
        case .priorityNotSupported(let value):
            "priority \(value) is not supported by the binary protocol (use 10 or 5)"
        case .expirationOutOfRange(let value):
            "expiration \(value) is not a UNIX time in seconds between 0 and \(UInt32.max)"
        }
    }
}
