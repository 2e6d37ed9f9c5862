import APNSBinary
import NIOCore
import NIOEmbedded
import Testing

@Suite struct NotificationFrameEncoderTests {
    static let token: [UInt8] = [0xAA, 0xBB]
    static let payload = ByteBuffer(string: "{}")

    static func frame(_ format: NotificationFrame.Format, priority: UInt8 = 5) -> NotificationFrame {
        NotificationFrame(
            format: format, identifier: 42, deviceToken: ByteBuffer(bytes: token), payload: payload,
            expiration: 1_700_000_000, priority: priority)
    }

    func encode(_ frame: NotificationFrame) throws -> [UInt8] {
        let channel = EmbeddedChannel(handler: MessageToByteHandler(NotificationFrameEncoder()))
        try channel.writeOutbound(frame)
        let buffer = try #require(try channel.readOutbound(as: ByteBuffer.self))
        #expect(try channel.finish().isClean)
        return Array(buffer.readableBytesView)
    }

    /// Apple's table A-1: `02 | frame length | items 1–5`, all big-endian.
    @Test func frameFormatMatchesApplesTable() throws {
        #expect(try encode(Self.frame(.frame)) == [
            0x02, 0x00, 0x00, 0x00, 0x1C,  // command 2, frame length 28
            0x01, 0x00, 0x02, 0xAA, 0xBB,  // item 1: device token, 2 bytes
            0x02, 0x00, 0x02, 0x7B, 0x7D,  // item 2: payload "{}"
            0x03, 0x00, 0x04, 0x00, 0x00, 0x00, 0x2A,  // item 3: identifier 42
            0x04, 0x00, 0x04, 0x65, 0x53, 0xF1, 0x00,  // item 4: expiry 1,700,000,000
            0x05, 0x00, 0x01, 0x05,  // item 5: priority 5
        ])
    }

    /// The enhanced format: `01 | identifier | expiry | token length | token | payload length | payload`.
    @Test func enhancedFormatMatchesApplesTable() throws {
        #expect(try encode(Self.frame(.enhanced)) == [
            0x01, 0x00, 0x00, 0x00, 0x2A, 0x65, 0x53, 0xF1, 0x00,
            0x00, 0x02, 0xAA, 0xBB, 0x00, 0x02, 0x7B, 0x7D,
        ])
    }

    @Test func simpleFormatMatchesApplesTable() throws {
        #expect(try encode(Self.frame(.simple)) == [0x00, 0x00, 0x02, 0xAA, 0xBB, 0x00, 0x02, 0x7B, 0x7D])
    }

    /// A 32-byte token makes the frame length 56 + n and the packet 61 + n.
    @Test func thirtyTwoByteTokenSizes() throws {
        let payload = ByteBuffer(string: #"{"aps":{"alert":"hello"}}"#)
        let frame = NotificationFrame(
            identifier: 0x0102_0304, deviceToken: ByteBuffer(repeating: 0x5A, count: 32), payload: payload,
            expiration: 0, priority: 10)
        let bytes = try encode(frame)
        #expect(bytes.count == 61 + payload.readableBytes)
        #expect(Array(bytes[1..<5]) == [0, 0, 0, UInt8(56 + payload.readableBytes)])
        #expect(Array(bytes.suffix(15)) == [
            0x03, 0x00, 0x04, 0x01, 0x02, 0x03, 0x04,
            0x04, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00,
            0x05, 0x00, 0x01, 0x0A,
        ].suffix(15))
        #expect(NotificationFrameEncoder.frameFormatByteCount(tokenCount: 32, payloadCount: 10) == 71)
    }

    @Test func largeTokensAndPayloadsUseBigEndianLengths() throws {
        let payload = ByteBuffer(repeating: 0x20, count: 0x0123)
        let frame = NotificationFrame(
            identifier: 0xFFFF_FFFE, deviceToken: ByteBuffer(repeating: 1, count: 100), payload: payload)
        let bytes = try encode(frame)
        #expect(Array(bytes[5..<8]) == [0x01, 0x00, 0x64])
        #expect(Array(bytes[108..<111]) == [0x02, 0x01, 0x23])
        let identifierItem = 111 + 0x0123
        #expect(Array(bytes[identifierItem..<(identifierItem + 7)]) == [0x03, 0x00, 0x04, 0xFF, 0xFF, 0xFF, 0xFE])
    }

    /// The hot path appends many frames to one buffer; it must produce the same bytes.
    @Test func batchedWritesEqualSingleEncodes() throws {
        var batch = ByteBuffer()
        for format in NotificationFrame.Format.allCases {
            NotificationFrameEncoder.write(
                format: format, identifier: 42, deviceToken: Self.token, payload: Self.payload,
                expiration: 1_700_000_000, priority: 5, into: &batch)
        }
        let singles = try NotificationFrame.Format.allCases.flatMap { try encode(Self.frame($0)) }
        #expect(Array(batch.readableBytesView) == singles)
    }
}
