import Foundation

extension UUID {
    /// Reads an `apns-id` in canonical form (8-4-4-4-12 hex digits, either case); `nil` for
    /// anything else. One pass over the bytes: `UUID(uuidString:)` goes through `sscanf`, which
    /// cost more than the rest of settling a response.
    init?(apnsID text: String) {
        var text = text
        let parsed: uuid_t? = text.withUTF8 { bytes -> uuid_t? in
            guard bytes.count == 36 else { return nil }
            var value: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            var byte = 0
            var high: UInt8?
            for (offset, character) in bytes.enumerated() {
                if offset == 8 || offset == 13 || offset == 18 || offset == 23 {
                    guard character == UInt8(ascii: "-") else { return nil }
                    continue
                }
                guard let nibble = Self.nibble(character) else { return nil }
                guard let first = high else {
                    high = nibble
                    continue
                }
                withUnsafeMutableBytes(of: &value) { $0[byte] = first << 4 | nibble }
                byte += 1
                high = nil
            }
            return value
        }
        guard let parsed else { return nil }
        self.init(uuid: parsed)
    }

    private static func nibble(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
