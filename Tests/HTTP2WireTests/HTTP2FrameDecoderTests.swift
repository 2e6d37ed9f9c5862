import HTTP2Wire
import NIOCore
import NIOEmbedded
import NIOTestUtils
import Testing

/// The frame decoder on `EmbeddedChannel`, no sockets: every frame type this layer knows, the
/// framing rules it enforces, and frames split across reads.
@Suite struct HTTP2FrameDecoderTests {
    /// Decodes `bytes` and returns every frame, or the error the decoder threw.
    static func decode(_ bytes: ByteBuffer, preface: Bool = false) throws -> [HTTP2InboundFrame] {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(HTTP2FrameDecoder(expectingClientPreface: preface)))
        defer { _ = try? channel.finish() }
        try channel.writeInbound(bytes)
        var frames: [HTTP2InboundFrame] = []
        while let frame = try channel.readInbound(as: HTTP2InboundFrame.self) { frames.append(frame) }
        return frames
    }

    static func frame(type: UInt8, flags: UInt8 = 0, streamID: UInt32 = 0, payload: [UInt8] = []) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt8(payload.count >> 16))
        buffer.writeInteger(UInt16(truncatingIfNeeded: payload.count))
        buffer.writeInteger(type)
        buffer.writeInteger(flags)
        buffer.writeInteger(streamID)
        buffer.writeBytes(payload)
        return buffer
    }

    @Test func writtenFramesDecodeToWhatWasWritten() throws {
        var bytes = ByteBuffer()
        HTTP2Wire.writeHeaders(ByteBuffer(bytes: [0x88]), streamID: 1, endStream: true, into: &bytes)
        HTTP2Wire.writeData(ByteBuffer(string: "{}"), streamID: 3, endStream: true, into: &bytes)
        HTTP2Wire.writeSettings([HTTP2SettingValue(HTTP2Wire.Setting.maxConcurrentStreams, 500)], into: &bytes)
        HTTP2Wire.writeSettingsAcknowledgement(into: &bytes)
        HTTP2Wire.writePing(42, ack: true, into: &bytes)
        HTTP2Wire.writeWindowUpdate(70_000, streamID: 0, into: &bytes)
        HTTP2Wire.writeRstStream(streamID: 5, errorCode: HTTP2Wire.ErrorCode.refusedStream, into: &bytes)
        HTTP2Wire.writeGoAway(lastStreamID: 7, errorCode: 0, debugData: ByteBuffer(string: "bye"), into: &bytes)
        #expect(try Self.decode(bytes) == [
            .headers(streamID: 1, fragment: ByteBuffer(bytes: [0x88]), endStream: true, endHeaders: true),
            .data(streamID: 3, payload: ByteBuffer(string: "{}"), endStream: true, flowControlledLength: 2),
            .settings([HTTP2SettingValue(3, 500)]),
            .settingsAcknowledged,
            .ping(opaque: 42, ack: true),
            .windowUpdate(streamID: 0, increment: 70_000),
            .rstStream(streamID: 5, errorCode: 7),
            .goAway(lastStreamID: 7, errorCode: 0, debugData: ByteBuffer(string: "bye")),
        ])
    }

    @Test func paddingAndPriorityAreStrippedButPaddingCountsForFlowControl() throws {
        // DATA, PADDED: pad length 3, "ab", 3 bytes of padding.
        let data = Self.frame(type: 0, flags: 0x8 | 0x1, streamID: 1, payload: [3, 0x61, 0x62, 0, 0, 0])
        // HEADERS, PADDED | PRIORITY | END_HEADERS: pad length 1, 5 priority bytes, block 0x88, 1 pad byte.
        let headers = Self.frame(type: 1, flags: 0x8 | 0x20 | 0x4, streamID: 3, payload: [1, 0, 0, 0, 0, 16, 0x88, 0])
        var bytes = data
        bytes.writeImmutableBuffer(headers)
        #expect(try Self.decode(bytes) == [
            .data(streamID: 1, payload: ByteBuffer(string: "ab"), endStream: true, flowControlledLength: 6),
            .headers(streamID: 3, fragment: ByteBuffer(bytes: [0x88]), endStream: false, endHeaders: true),
        ])
    }

    @Test func aFrameSplitAcrossReadsIsDecodedOnceWhole() throws {
        var bytes = ByteBuffer()
        HTTP2Wire.writeData(ByteBuffer(string: "hello"), streamID: 1, endStream: false, into: &bytes)
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(HTTP2FrameDecoder()))
        for byte in bytes.readableBytesView {
            try channel.writeInbound(ByteBuffer(bytes: [byte]))
        }
        #expect(try channel.readInbound(as: HTTP2InboundFrame.self)
            == .data(streamID: 1, payload: ByteBuffer(string: "hello"), endStream: false, flowControlledLength: 5))
        #expect(try channel.readInbound(as: HTTP2InboundFrame.self) == nil)
        _ = try channel.finish()
    }

    @Test func priorityAndUnknownFramesAreIgnoredPushPromiseIsReported() throws {
        var bytes = Self.frame(type: 2, streamID: 1, payload: [0, 0, 0, 0, 16])
        bytes.writeImmutableBuffer(Self.frame(type: 0xFA, streamID: 0, payload: [1, 2, 3]))
        bytes.writeImmutableBuffer(Self.frame(type: 5, flags: 0x4, streamID: 1, payload: [0, 0, 0, 2, 0x88]))
        #expect(try Self.decode(bytes) == [.ignored(type: 2), .ignored(type: 0xFA), .pushPromise(streamID: 1)])
    }

    @Test func aServerChecksAndConsumesTheClientPreface() throws {
        var bytes = ByteBuffer(string: "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        HTTP2Wire.writeSettingsAcknowledgement(into: &bytes)
        #expect(try Self.decode(bytes, preface: true) == [.settingsAcknowledged])
        #expect(throws: HTTP2WireError.self) { try Self.decode(ByteBuffer(string: "GET / HTTP/1.1\r\nHost: x\r\n\r\n"), preface: true) }
    }

    @Test(arguments: [
        // (type, flags, stream, payload, why)
        (UInt8(0), UInt8(0), UInt32(0), [UInt8](), "DATA on stream 0"),
        (1, 0x4, 0, [0x88], "HEADERS on stream 0"),
        (4, 0, 1, [], "SETTINGS on a stream"),
        (4, 0, 0, [0, 3, 0, 0], "SETTINGS not a multiple of 6"),
        (4, 0x1, 0, [0, 0, 0, 0, 0, 0], "SETTINGS ACK with a payload"),
        (6, 0, 0, [1, 2, 3], "PING not 8 bytes"),
        (3, 0, 1, [0, 0], "RST_STREAM not 4 bytes"),
        (8, 0, 0, [0, 0, 0, 0], "WINDOW_UPDATE of 0"),
        (7, 0, 0, [0, 0, 0, 1], "GOAWAY shorter than 8 bytes"),
        (0, 0x8, 1, [5, 0x61], "more padding than payload"),
        (2, 0, 1, [0, 0, 0], "PRIORITY not 5 bytes"),
    ] as [(UInt8, UInt8, UInt32, [UInt8], String)])
    func framingViolationsAreErrors(type: UInt8, flags: UInt8, streamID: UInt32, payload: [UInt8], why: String) {
        #expect(throws: HTTP2WireError.self, "\(why)") {
            try Self.decode(Self.frame(type: type, flags: flags, streamID: streamID, payload: payload))
        }
    }

    @Test func aFrameLongerThanTheMaximumFrameSizeIsAnError() {
        var header = ByteBuffer()
        HTTP2Wire.writeFrameHeader(into: &header, length: HTTP2Wire.maximumFrameLength + 1, type: .data, streamID: 1)
        // The header alone is enough to refuse it: no need to buffer 16 KB first.
        #expect(throws: HTTP2WireError.self) { try Self.decode(header) }
    }
}
