import HTTP2Wire
import NIOCore
import NIOEmbedded
import NIOHPACK
import Testing

@testable import MockGateway

/// The gateway's HTTP/2 connection rules on `EmbeddedChannel`, frames in and out: the ones a
/// well-behaved client (the NIOHTTP2 test client, pushworker) never breaks, so only frames made
/// by hand can show the gateway enforces them.
@Suite struct HTTP2PushFrameHandlerTests {
    struct Gateway {
        let channel: EmbeddedChannel

        /// A certificate connection announcing `streamLimit`.
        static func open(streamLimit: Int = 2) throws -> Gateway {
            let channel = EmbeddedChannel()
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 2197)).wait()
            let context = HTTP2GatewayContext(
                recorder: GatewayRecorder(ledger: nil, faults: FaultPlan()),
                configuration: HTTP2GatewayConfiguration(faults: HTTP2FaultPlan(maxConcurrentStreams: streamLimit)),
                binaryFaults: FaultPlan(), tracksDuplicates: false)
            let connection = HTTP2GatewayConnection(
                number: 1, credential: .certificate(topic: "com.example.app"), channel: channel, gateway: context)
            try channel.pipeline.syncOperations.addHandler(
                HTTP2PushFrameHandler(connection: connection, connectionWindowTarget: 1 << 22))
            return Gateway(channel: channel)
        }

        func receive(_ frames: HTTP2InboundFrame...) throws {
            for frame in frames { try channel.writeInbound(frame) }
        }

        func written() throws -> [HTTP2InboundFrame] {
            var bytes = ByteBuffer()
            while var chunk = try channel.readOutbound(as: ByteBuffer.self) { bytes.writeBuffer(&chunk) }
            var frames: [HTTP2InboundFrame] = []
            while let frame = try HTTP2FrameDecoder.nextFrame(from: &bytes) { frames.append(frame) }
            return frames
        }
    }

    /// The start of a request: a header block without END_STREAM.
    static func requestStart(_ streamID: UInt32) -> HTTP2InboundFrame {
        var encoder = HPACKEncoder(allocator: ByteBufferAllocator())
        var block = ByteBuffer()
        try! encoder.encode(
            headers: [":method": "POST", ":scheme": "https", ":path": "/3/device/" + String(repeating: "ab", count: 32), ":authority": "h"],
            to: &block)
        return .headers(streamID: streamID, fragment: block, endStream: false, endHeaders: true)
    }

    @Test func theGatewayAnnouncesItsLimitAndOpensItsConnectionWindow() throws {
        let gateway = try Gateway.open(streamLimit: 7)
        #expect(try gateway.written() == [
            .settings([HTTP2SettingValue(HTTP2Wire.Setting.maxConcurrentStreams, 7), HTTP2SettingValue(HTTP2Wire.Setting.enablePush, 0)]),
            .windowUpdate(streamID: 0, increment: UInt32((1 << 22) - 65_535)),
        ])
    }

    @Test func aStreamBeyondTheAcknowledgedLimitIsRefused() throws {
        let gateway = try Gateway.open(streamLimit: 2)
        _ = try gateway.written()
        // Before the client acknowledged the SETTINGS, the limit does not bind yet.
        try gateway.receive(Self.requestStart(1), Self.requestStart(3), Self.requestStart(5))
        #expect(try gateway.written() == [])
        try gateway.receive(.rstStream(streamID: 5, errorCode: 8), .settingsAcknowledged)
        try gateway.receive(Self.requestStart(7))
        #expect(try gateway.written() == [.rstStream(streamID: 7, errorCode: HTTP2Wire.ErrorCode.refusedStream)])
        // A stream that ends makes room again.
        try gateway.receive(.rstStream(streamID: 1, errorCode: 8), Self.requestStart(9))
        #expect(try gateway.written() == [])
    }

    @Test(arguments: [
        (HTTP2InboundFrame.pushPromise(streamID: 1), HTTP2Wire.ErrorCode.protocolError),
        (requestStart(2), HTTP2Wire.ErrorCode.protocolError),
        (.continuation(streamID: 1, fragment: ByteBuffer(), endHeaders: true), HTTP2Wire.ErrorCode.protocolError),
        (.headers(streamID: 1, fragment: ByteBuffer(bytes: [0xFF, 0xFF, 0xFF, 0xFF]), endStream: true, endHeaders: true), HTTP2Wire.ErrorCode.compressionError),
    ])
    func aViolationEndsTheConnectionWithGoAwayNamingIt(frame: HTTP2InboundFrame, code: UInt32) throws {
        let gateway = try Gateway.open()
        _ = try gateway.written()
        try gateway.receive(frame)
        let written = try gateway.written()
        guard case .goAway(_, let sent, _)? = written.last else {
            Issue.record("no GOAWAY: \(written)")
            return
        }
        #expect(sent == code)
        #expect(!gateway.channel.isActive)
    }

    @Test func pingsAndSettingsAreAcknowledged() throws {
        let gateway = try Gateway.open()
        _ = try gateway.written()
        try gateway.receive(.ping(opaque: 5, ack: false), .settings([HTTP2SettingValue(HTTP2Wire.Setting.initialWindowSize, 1 << 20)]))
        #expect(try gateway.written() == [.ping(opaque: 5, ack: true), .settingsAcknowledged])
    }
}
