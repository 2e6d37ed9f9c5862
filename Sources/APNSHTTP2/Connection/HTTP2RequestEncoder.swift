import HTTP2Wire
import NIOCore
import NIOHPACK

/// Writes this client's frames: the connection preface with our SETTINGS, each notification as a
/// HEADERS and a DATA frame, and the control frames the connection answers with.
///
/// Header blocks never touch HPACK's dynamic table (every field is a literal without indexing, or
/// a static-table index), so a block does not depend on what was sent before. That lets the parts
/// every request of a campaign shares — pseudo-headers, `apns-*` headers, `authorization` — be
/// encoded once per campaign content and provider token; per request only `:path` and `apns-id`
/// are written. Apple asks for exactly this: `:path` and `authorization` as literals without
/// indexing. Strings are sent without Huffman coding: a few dozen bytes more per request, and the
/// gateway does not decode the provider token's Huffman code on every request (measured: 5 % of
/// the mock gateway's CPU).
struct HTTP2RequestEncoder {
    private let authority: String
    private var hpack = HPACKEncoder(allocator: ByteBufferAllocator(), useHuffmanEncoding: false, maxDynamicTableSize: 0)
    private var pseudoHeaders: ByteBuffer
    private var shared: (content: HTTP2NotificationContent, authorization: String?, block: ByteBuffer)?

    /// `:path`'s static-table index, as the first byte of a literal without indexing.
    private static let pathLiteral: UInt8 = 0x04

    /// - Parameter authority: `:authority` of every request (checked by ``HTTP2FieldValue``).
    init(authority: String) {
        self.authority = authority
        var headers = HPACKHeaders()
        headers.add(name: ":method", value: "POST", indexing: .nonIndexable)
        headers.add(name: ":scheme", value: "https", indexing: .nonIndexable)
        headers.add(name: ":authority", value: authority, indexing: .nonIndexable)
        var block = ByteBuffer()
        try! hpack.encode(headers: headers, to: &block)
        self.pseudoHeaders = block
    }

    /// The client preface and our SETTINGS: no server push, no server-initiated streams.
    static func writePreface(into buffer: inout ByteBuffer) {
        buffer.writeStaticString(HTTP2Wire.preface)
        HTTP2Wire.writeSettings(
            [HTTP2SettingValue(HTTP2Wire.Setting.enablePush, 0), HTTP2SettingValue(HTTP2Wire.Setting.maxConcurrentStreams, 0)],
            into: &buffer)
    }

    /// Writes `notification`'s HEADERS (END_HEADERS) and DATA (END_STREAM) frames on `streamID`.
    ///
    /// - Parameter authorization: the `authorization` value (token authentication), else `nil`.
    mutating func writeRequest(
        _ notification: HTTP2Notification, streamID: UInt32, authorization: String?, into buffer: inout ByteBuffer
    ) {
        let content = notification.content
        if shared == nil || shared!.authorization != authorization || shared!.content != content {
            shared = (content, authorization, sharedBlock(content: content, authorization: authorization))
        }
        let shared = self.shared!.block
        let path = notification.deviceToken.hex
        let apnsID = notification.apnsID?.uuidString.lowercased()
        let pathLength = 10 + path.utf8.count
        var blockLength = pseudoHeaders.readableBytes + 1 + Self.lengthOfStringLength(pathLength) + pathLength + shared.readableBytes
        if let apnsID { blockLength += 2 + 7 + 1 + apnsID.utf8.count }
        precondition(blockLength <= HTTP2Wire.maximumFrameLength, "a header block of \(blockLength) bytes")

        HTTP2Wire.writeFrameHeader(into: &buffer, length: blockLength, type: .headers, flags: HTTP2Wire.Flag.endHeaders, streamID: streamID)
        buffer.writeImmutableBuffer(pseudoHeaders)
        buffer.writeInteger(Self.pathLiteral)
        Self.writeStringLength(pathLength, into: &buffer)
        buffer.writeStaticString("/3/device/")
        buffer.writeString(path)
        buffer.writeImmutableBuffer(shared)
        if let apnsID {
            // A literal without indexing with a new name: 0x00, name, value (no Huffman).
            buffer.writeInteger(UInt8(0))
            buffer.writeInteger(UInt8(7))
            buffer.writeStaticString("apns-id")
            buffer.writeInteger(UInt8(apnsID.utf8.count))
            buffer.writeString(apnsID)
        }

        let body = content.payload
        HTTP2Wire.writeFrameHeader(into: &buffer, length: body.readableBytes, type: .data, flags: HTTP2Wire.Flag.endStream, streamID: streamID)
        buffer.writeImmutableBuffer(body)
    }

    /// The regular headers every request with `content` and `authorization` carries.
    private mutating func sharedBlock(content: HTTP2NotificationContent, authorization: String?) -> ByteBuffer {
        var headers = HPACKHeaders()
        headers.reserveCapacity(8)
        headers.add(name: "apns-push-type", value: content.pushType.headerValue, indexing: .nonIndexable)
        headers.add(name: "apns-topic", value: content.topic, indexing: .nonIndexable)
        headers.add(name: "apns-priority", value: String(content.priority.rawValue), indexing: .nonIndexable)
        if let expiration = content.expiration {
            headers.add(name: "apns-expiration", value: String(expiration.secondsSince1970), indexing: .nonIndexable)
        }
        if let collapseID = content.collapseID {
            headers.add(name: "apns-collapse-id", value: collapseID, indexing: .nonIndexable)
        }
        if let authorization {
            headers.add(name: "authorization", value: authorization, indexing: .neverIndexed)
        }
        headers.add(name: "content-length", value: String(content.payload.readableBytes), indexing: .nonIndexable)
        var block = ByteBuffer()
        try! hpack.encode(headers: headers, to: &block)
        return block
    }

    /// The length of a string literal without Huffman coding: HPACK's integer with a 7-bit
    /// prefix (RFC 7541 §5.1) and the H bit clear.
    static func writeStringLength(_ length: Int, into buffer: inout ByteBuffer) {
        guard length >= 127 else {
            buffer.writeInteger(UInt8(length))
            return
        }
        buffer.writeInteger(UInt8(127))
        var rest = length - 127
        while rest >= 128 {
            buffer.writeInteger(UInt8(rest & 0x7F | 0x80))
            rest >>= 7
        }
        buffer.writeInteger(UInt8(rest))
    }

    /// How many bytes ``writeStringLength(_:into:)`` writes for `length`.
    static func lengthOfStringLength(_ length: Int) -> Int {
        guard length >= 127 else { return 1 }
        var bytes = 2
        var rest = length - 127
        while rest >= 128 {
            bytes += 1
            rest >>= 7
        }
        return bytes
    }
}
