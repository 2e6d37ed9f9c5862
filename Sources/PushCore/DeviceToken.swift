/// A device token in binary form: 1 to 100 bytes (32 today, but Apple says not to assume it).
///
/// Built from hex (any case) or from raw bytes; both reject what Apple would reject, so a value of
/// this type is always sendable. Constructing one is the per-notification validation step, and it
/// is cheap: one pass over the digits, one allocation for the bytes.
public struct DeviceToken: Hashable, Sendable {
    /// The largest token Apple documents ("up to 100 bytes").
    public static let maximumByteCount = 100

    /// The token as the gateway receives it.
    public let bytes: [UInt8]

    /// Wraps binary token bytes, checking their count.
    public init(bytes: [UInt8]) throws(ValidationError) {
        try Self.checkByteCount(bytes.count)
        self.bytes = bytes
    }

    /// Parses a hex token such as `"9f0c…"`; upper and lower case are both accepted.
    public init(hex: some StringProtocol) throws(ValidationError) {
        let utf8 = hex.utf8
        guard !utf8.isEmpty else { throw .deviceTokenEmpty }
        guard utf8.count.isMultiple(of: 2) else {
            throw .deviceTokenOddHexLength(digitCount: utf8.count)
        }
        try Self.checkByteCount(utf8.count / 2)
        var bytes = [UInt8]()
        bytes.reserveCapacity(utf8.count / 2)
        var high: UInt8 = 0
        var offset = 0
        for digit in utf8 {
            guard let nibble = Self.nibble(digit) else {
                let character = hex[hex.utf8.index(hex.startIndex, offsetBy: offset)]
                throw .deviceTokenNotHex(character: character, offset: offset)
            }
            if offset.isMultiple(of: 2) {
                high = nibble << 4
            } else {
                bytes.append(high | nibble)
            }
            offset += 1
        }
        self.bytes = bytes
    }

    /// Lower-case hex, the form the HTTP/2 API and logs use.
    public var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        return String(unsafeUninitializedCapacity: bytes.count * 2) { out in
            for (index, byte) in bytes.enumerated() {
                out[2 * index] = digits[Int(byte >> 4)]
                out[2 * index + 1] = digits[Int(byte & 0x0f)]
            }
            return bytes.count * 2
        }
    }

    private static func checkByteCount(_ count: Int) throws(ValidationError) {
        guard count > 0 else { throw .deviceTokenEmpty }
        guard count <= maximumByteCount else { throw .deviceTokenTooLong(byteCount: count) }
    }

    @inline(__always)
    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit &- UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit &- UInt8(ascii: "a") &+ 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit &- UInt8(ascii: "A") &+ 10
        default: nil
        }
    }
}

extension DeviceToken: CustomStringConvertible {
    public var description: String { hex }
}
