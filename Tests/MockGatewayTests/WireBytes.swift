/// Notification bytes written out by hand from Apple's tables — deliberately not produced by any
/// encoder in the product.
enum WireBytes {
    static func token(_ seed: UInt8, length: Int = 32) -> [UInt8] {
        (0..<length).map { UInt8(truncatingIfNeeded: Int(seed) &+ $0) }
    }

    static func json(_ text: String = #"{"aps":{"alert":"hi"}}"#) -> [UInt8] {
        Array(text.utf8)
    }

    static func be16(_ value: Int) -> [UInt8] {
        [UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
    }

    static func be32(_ value: UInt32) -> [UInt8] {
        [UInt8(truncatingIfNeeded: value >> 24), UInt8(truncatingIfNeeded: value >> 16),
         UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
    }

    /// One item of a command-2 frame: `id length:2 data`.
    static func item(_ id: UInt8, _ data: [UInt8]) -> [UInt8] {
        [id] + be16(data.count) + data
    }

    /// Command 2 around the given items.
    static func frame(items: [[UInt8]]) -> [UInt8] {
        let body = items.flatMap { $0 }
        return [2] + be32(UInt32(body.count)) + body
    }

    /// A complete command-2 notification with all five items.
    static func frame(
        id: UInt32,
        token: [UInt8] = token(1),
        payload: [UInt8] = json(),
        expiration: UInt32 = 0,
        priority: UInt8 = 10
    ) -> [UInt8] {
        frame(items: [
            item(1, token), item(2, payload), item(3, be32(id)), item(4, be32(expiration)), item(5, [priority]),
        ])
    }

    /// Command 1: `1 id:4 expiry:4 tokenLen:2 token payloadLen:2 payload`.
    static func enhanced(id: UInt32, token: [UInt8] = token(1), payload: [UInt8] = json(), expiration: UInt32 = 0) -> [UInt8] {
        [1] + be32(id) + be32(expiration) + be16(token.count) + token + be16(payload.count) + payload
    }

    /// Command 0: `0 tokenLen:2 token payloadLen:2 payload`.
    static func simple(token: [UInt8] = token(1), payload: [UInt8] = json()) -> [UInt8] {
        [0] + be16(token.count) + token + be16(payload.count) + payload
    }

    /// The six bytes of an error response.
    static func errorResponse(status: UInt8, id: UInt32) -> [UInt8] {
        [8, status] + be32(id)
    }
}
