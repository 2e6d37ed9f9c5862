import Foundation
import HTTP2Wire
import NIOCore
import NIOHPACK
import PushCore
import Testing

@testable import APNSHTTP2

/// The request encoder's bytes read back with the frame decoder and NIOHPACK's decoder: the
/// header list is what `HTTP2Request` describes, the dynamic table is never touched, and the
/// shared part of the block follows the campaign content and the provider token.
@Suite struct HTTP2RequestEncoderTests {
    static func notification(_ tag: UInt64, content: HTTP2NotificationContent, apnsID: UUID? = nil) -> HTTP2Notification {
        HTTP2Notification(tag: tag, deviceToken: try! DeviceToken(bytes: Array(repeating: UInt8(tag), count: 32)), content: content, apnsID: apnsID)
    }

    static func content(collapseID: String? = nil, topic: String = "com.example.app") throws -> HTTP2NotificationContent {
        try HTTP2NotificationContent(payload: try Payload(validating: #"{"aps":{"alert":"hi"}}"#, limit: .http2VoIP), bundleID: topic, collapseID: collapseID)
    }

    /// Splits `bytes` into frames and decodes each HEADERS block with a decoder of its own: a block
    /// that relied on HPACK's dynamic table (on what an earlier block inserted) would not decode.
    static func read(_ bytes: ByteBuffer) throws -> [(streamID: UInt32, headers: HPACKHeaders?, body: ByteBuffer?)] {
        var bytes = bytes
        var frames: [(UInt32, HPACKHeaders?, ByteBuffer?)] = []
        while let frame = try HTTP2FrameDecoder.nextFrame(from: &bytes) {
            switch frame {
            case .headers(let streamID, var block, false, true):
                var decoder = HPACKDecoder(allocator: ByteBufferAllocator())
                frames.append((streamID, try decoder.decodeHeaders(from: &block), nil))
            case .data(let streamID, let payload, true, _):
                frames.append((streamID, nil, payload))
            default:
                Issue.record("unexpected \(frame)")
            }
        }
        return frames
    }

    @Test func aRequestIsTheHeadersHTTP2RequestDescribesAndItsPayload() throws {
        let content = try Self.content(collapseID: "group-1")
        let id = UUID()
        let notification = Self.notification(7, content: content, apnsID: id)
        var encoder = HTTP2RequestEncoder(authority: "api.sandbox.push.apple.com")
        var bytes = ByteBuffer()
        encoder.writeRequest(notification, streamID: 5, authorization: "bearer eyJ.a.b", into: &bytes)
        let frames = try Self.read(bytes)
        try #require(frames.count == 2)
        #expect(frames[0].streamID == 5 && frames[1].streamID == 5)
        let expected = HTTP2Request(notification: notification, authority: "api.sandbox.push.apple.com", providerToken: "eyJ.a.b")
        let sent = try #require(frames[0].headers)
        #expect(sent.map { "\($0.name): \($0.value)" }.sorted() == expected.headers.map { "\($0.name): \($0.value)" }.sorted())
        // Pseudo-headers first, as RFC 9113 §8.3 requires.
        #expect(sent.map(\.name).prefix(4).allSatisfy { $0.hasPrefix(":") })
        #expect(frames[1].body == content.payload)
    }

    @Test func theSharedPartFollowsTheContentAndTheToken() throws {
        var encoder = HTTP2RequestEncoder(authority: "api.push.apple.com")
        var bytes = ByteBuffer()
        let first = try Self.content(topic: "com.example.one")
        let second = try Self.content(topic: "com.example.two")
        encoder.writeRequest(Self.notification(1, content: first), streamID: 1, authorization: "bearer A", into: &bytes)
        encoder.writeRequest(Self.notification(2, content: first), streamID: 3, authorization: "bearer A", into: &bytes)
        encoder.writeRequest(Self.notification(3, content: first), streamID: 5, authorization: "bearer B", into: &bytes)
        encoder.writeRequest(Self.notification(4, content: second), streamID: 7, authorization: "bearer B", into: &bytes)
        encoder.writeRequest(Self.notification(5, content: second), streamID: 9, authorization: nil, into: &bytes)
        let headers = try Self.read(bytes).compactMap(\.headers)
        #expect(headers.map { $0.first(name: "authorization") } == ["bearer A", "bearer A", "bearer B", "bearer B", nil])
        #expect(headers.map { $0.first(name: "apns-topic") } == ["com.example.one", "com.example.one", "com.example.one", "com.example.two", "com.example.two"])
        #expect(headers.map { $0.first(name: ":path") } == (1...5).map { "/3/device/" + String(repeating: String(format: "%02x", $0), count: 32) })
    }

    @Test func aLongTokenPathUsesAMultiByteLength() throws {
        // 100-byte tokens: a 210-byte :path needs HPACK's continuation bytes for its length.
        let content = try Self.content()
        let notification = HTTP2Notification(tag: 1, deviceToken: try DeviceToken(bytes: Array(repeating: 0xAB, count: 100)), content: content)
        var encoder = HTTP2RequestEncoder(authority: "h")
        var bytes = ByteBuffer()
        encoder.writeRequest(notification, streamID: 1, authorization: nil, into: &bytes)
        let path = try #require(try Self.read(bytes).first?.headers?.first(name: ":path"))
        #expect(path == "/3/device/" + String(repeating: "ab", count: 100))
        for length in [0, 126, 127, 128, 254, 255, 16_383, 16_384, 2_000_000] {
            var buffer = ByteBuffer()
            HTTP2RequestEncoder.writeStringLength(length, into: &buffer)
            #expect(buffer.readableBytes == HTTP2RequestEncoder.lengthOfStringLength(length))
        }
    }
}
