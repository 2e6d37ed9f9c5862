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
        headers.add(name: "apns-id", value: apnsID)
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
        var high = random.next()
        var low = random.next()
        high = (high & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000
        low = (low & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        var buffer = ByteBuffer()
        buffer.writeHex(of: high)
        buffer.writeHex(of: low)
        let hex = buffer.readString(length: 32)!
        let utf8 = Array(hex.utf8)
        var text = [UInt8]()
        text.reserveCapacity(36)
        for (offset, byte) in utf8.enumerated() {
            if offset == 8 || offset == 12 || offset == 16 || offset == 20 { text.append(UInt8(ascii: "-")) }
            text.append(byte)
        }
        return String(decoding: text, as: UTF8.self)
    }
}
