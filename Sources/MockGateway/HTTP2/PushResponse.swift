import NIOCore
import NIOHPACK

/// The gateway's answer to one request: `:status`, `apns-id`, and for errors the JSON body
/// `{"reason": …}` (with `"timestamp"` in milliseconds since 1970 for 410).
public struct PushResponse: Sendable, Hashable {
    public var apnsID: String
    /// `nil` for 200.
    public var reason: HTTP2Reason?
    /// Milliseconds since 1970; only with a 410 reason.
    public var timestamp: Int64?

    public init(apnsID: String, reason: HTTP2Reason? = nil, timestamp: Int64? = nil) {
        self.apnsID = apnsID
        self.reason = reason
        self.timestamp = reason?.carriesTimestamp == true ? timestamp : nil
    }

    public var status: Int {
        reason?.status ?? 200
    }

    /// The response header block.
    public var headers: HPACKHeaders {
        var headers = HPACKHeaders()
        headers.reserveCapacity(reason == nil ? 2 : 4)
        headers.add(name: ":status", value: String(status))
        // A fresh value per response: indexing it would only evict useful entries from the
        // client's HPACK table (and cost the encoder a table search per response).
        headers.add(name: "apns-id", value: apnsID, indexing: .nonIndexable)
        if reason != nil {
            headers.add(name: "content-type", value: "application/json")
        }
        return headers
    }

    /// The JSON body, `nil` for 200.
    public func body(allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer? {
        guard let reason else { return nil }
        var body = allocator.buffer(capacity: 64)
        body.writeString(#"{"reason":""#)
        body.writeString(reason.rawValue)
        if let timestamp {
            body.writeString(#"","timestamp":"#)
            body.writeString(String(timestamp))
            body.writeString("}")
        } else {
            body.writeString(#""}"#)
        }
        return body
    }

    /// A random (version 4) UUID in canonical lowercase form, from `random`.
    static func makeAPNsID(using random: inout SplitMix64) -> String {
        let high = (random.next() & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000
        let low = (random.next() & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        return String(unsafeUninitializedCapacity: 36) { text in
            var position = 0
            for digit in 0..<32 {
                if digit == 8 || digit == 12 || digit == 16 || digit == 20 {
                    text[position] = UInt8(ascii: "-")
                    position += 1
                }
                let word = digit < 16 ? high : low
                let nibble = UInt8(truncatingIfNeeded: word >> (60 - 4 * UInt64(digit % 16))) & 0xF
                text[position] = nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
                position += 1
            }
            return position
        }
    }
}
