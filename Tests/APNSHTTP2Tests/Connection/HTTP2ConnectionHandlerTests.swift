import Foundation
import HTTP2Wire
import NIOCore
import NIOEmbedded
import NIOHPACK
import NIOTLS
import PushCore
import Testing

@testable import APNSHTTP2

/// The connection handler on `EmbeddedChannel`, no sockets: frames from the gateway in, the
/// handler's frames and its reports to the pool out.
@Suite struct HTTP2ConnectionHandlerTests {
    final class Reports: HTTP2ConnectionDelegate {
        var ready = 0
        var finished: [(tag: UInt64, result: SettledStream)] = []
        var closedWith: [String?] = []

        func connectionBecameReady(_ connection: HTTP2ConnectionHandler) { ready += 1 }
        func connectionHasRoom(_ connection: HTTP2ConnectionHandler) {}
        func connection(_ connection: HTTP2ConnectionHandler, finished notification: PendingHTTP2Notification, _ result: SettledStream) {
            finished.append((notification.notification.tag, result))
        }
        func connectionClosed(_ connection: HTTP2ConnectionHandler, error: (any Error)?) {
            closedWith.append(error.map { "\($0)" })
        }

        func kinds() -> [String] {
            finished.map { tag, result in
                switch result {
                case .answered(let response, _): "\(tag):\(response.status)"
                case .notProcessed: "\(tag):not processed"
                case .lost: "\(tag):lost"
                }
            }
        }
    }

    struct Connection {
        let channel: EmbeddedChannel
        let handler: HTTP2ConnectionHandler
        let reports: Reports

        /// TLS agreed on h2 and the gateway's SETTINGS (stream limit 10) arrived.
        static func open() throws -> Connection {
            let handler = HTTP2ConnectionHandler(
                slot: 0, generation: 1,
                configuration: .init(machine: .init(), pingInterval: .seconds(60), authority: "api.push.apple.com"),
                authentication: .certificate)
            let reports = Reports()
            handler.delegate = reports
            let channel = EmbeddedChannel(handler: handler)
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 443)).wait()
            channel.pipeline.fireUserInboundEventTriggered(TLSUserEvent.handshakeCompleted(negotiatedProtocol: "h2"))
            try channel.writeInbound(HTTP2InboundFrame.settings([HTTP2SettingValue(HTTP2Wire.Setting.maxConcurrentStreams, 10)]))
            return Connection(channel: channel, handler: handler, reports: reports)
        }

        /// Every frame the handler wrote since the last call.
        func written() throws -> [HTTP2InboundFrame] {
            var bytes = ByteBuffer()
            while var chunk = try channel.readOutbound(as: ByteBuffer.self) { bytes.writeBuffer(&chunk) }
            let preface = HTTP2Wire.preface.withUTF8Buffer { Array($0) }
            if bytes.readableBytesView.starts(with: preface) { bytes.moveReaderIndex(forwardBy: preface.count) }
            var frames: [HTTP2InboundFrame] = []
            while let frame = try HTTP2FrameDecoder.nextFrame(from: &bytes) { frames.append(frame) }
            return frames
        }

        func send(_ tags: UInt64...) {
            for tag in tags {
                let content = try! HTTP2NotificationContent(
                    payload: try! Payload(validating: #"{"aps":{}}"#, limit: .http2VoIP), bundleID: "com.example.app")
                let token = try! DeviceToken(bytes: Array(repeating: UInt8(tag), count: 32))
                handler.send(PendingHTTP2Notification(notification: HTTP2Notification(tag: tag, deviceToken: token, content: content)))
            }
            handler.flush()
        }
    }

    static func block(_ headers: HPACKHeaders) -> ByteBuffer {
        var encoder = HPACKEncoder(allocator: ByteBufferAllocator())
        var buffer = ByteBuffer()
        try! encoder.encode(headers: headers, to: &buffer)
        return buffer
    }

    static let ok = block([":status": "200", "apns-id": "4f0e2b9a-6c11-4b3e-9a77-0d7e0e3d1a55"])

    @Test func prefaceSettingsAndTheirAcknowledgementComeFirst() throws {
        let connection = try Connection.open()
        #expect(connection.reports.ready == 1)
        let frames = try connection.written()
        #expect(frames == [
            .settings([HTTP2SettingValue(HTTP2Wire.Setting.enablePush, 0), HTTP2SettingValue(HTTP2Wire.Setting.maxConcurrentStreams, 0)]),
            .settingsAcknowledged,
        ])
        #expect(connection.handler.room == 10)
    }

    @Test func requestsGoOutOnOddStreamsAndEachAnswerSettlesItsOwn() throws {
        let connection = try Connection.open()
        _ = try connection.written()
        connection.send(1, 2, 3)
        let frames = try connection.written()
        #expect(frames.count == 6)
        #expect(frames.compactMap { if case .headers(let id, _, false, true) = $0 { id } else { nil } } == [UInt32(1), 3, 5])
        #expect(frames.compactMap { if case .data(let id, _, true, _) = $0 { id } else { nil } } == [UInt32(1), 3, 5])
        // Out of order: stream 5 answered first, stream 3 refused, stream 1 a 400 in two frames
        // with its header block split over a CONTINUATION.
        try connection.channel.writeInbound(HTTP2InboundFrame.headers(streamID: 5, fragment: Self.ok, endStream: true, endHeaders: true))
        try connection.channel.writeInbound(HTTP2InboundFrame.rstStream(streamID: 3, errorCode: HTTP2Wire.ErrorCode.refusedStream))
        var rejected = Self.block([":status": "400", "apns-id": "4f0e2b9a-6c11-4b3e-9a77-0d7e0e3d1a55"])
        let first = rejected.readSlice(length: 2)!
        try connection.channel.writeInbound(HTTP2InboundFrame.headers(streamID: 1, fragment: first, endStream: false, endHeaders: false))
        try connection.channel.writeInbound(HTTP2InboundFrame.continuation(streamID: 1, fragment: rejected, endHeaders: true))
        let body = ByteBuffer(string: #"{"reason":"BadDeviceToken"}"#)
        try connection.channel.writeInbound(HTTP2InboundFrame.data(streamID: 1, payload: body, endStream: true, flowControlledLength: body.readableBytes))
        #expect(connection.reports.kinds() == ["3:200", "2:not processed", "1:400"])
        if case .answered(let response, _) = connection.reports.finished[2].result {
            #expect(response.reason == .badDeviceToken)
        }
        #expect(connection.handler.machine.openStreams == 0)
    }

    @Test func goAwayMovesTheStreamsAboveItsLastIDAndClosesWhenTheRestIsAnswered() throws {
        let connection = try Connection.open()
        connection.send(1, 2, 3)
        _ = try connection.written()
        try connection.channel.writeInbound(HTTP2InboundFrame.goAway(lastStreamID: 1, errorCode: 0, debugData: ByteBuffer()))
        #expect(connection.reports.kinds() == ["2:not processed", "3:not processed"])
        #expect(connection.handler.room == 0)
        #expect(connection.channel.isActive)
        try connection.channel.writeInbound(HTTP2InboundFrame.headers(streamID: 1, fragment: Self.ok, endStream: true, endHeaders: true))
        #expect(connection.reports.kinds() == ["2:not processed", "3:not processed", "1:200"])
        #expect(try connection.written() == [.goAway(lastStreamID: 0, errorCode: 0, debugData: ByteBuffer())])
        #expect(!connection.channel.isActive)
        #expect(connection.reports.closedWith == [nil])
    }

    @Test func pingsAreAnsweredAndReceivedBytesGivenBack() throws {
        let connection = try Connection.open()
        connection.send(1)
        _ = try connection.written()
        try connection.channel.writeInbound(HTTP2InboundFrame.ping(opaque: 99, ack: false))
        let big = ByteBuffer(repeating: 0x20, count: 16_000)
        try connection.channel.writeInbound(HTTP2InboundFrame.headers(streamID: 1, fragment: Self.block([":status": "500"]), endStream: false, endHeaders: true))
        for _ in 0..<2 {
            try connection.channel.writeInbound(HTTP2InboundFrame.data(streamID: 1, payload: big, endStream: false, flowControlledLength: 16_384))
        }
        // The stream gets each frame's bytes back (a body may outgrow the stream window); the
        // connection gets them back at half its window.
        #expect(try connection.written() == [
            .ping(opaque: 99, ack: true), .windowUpdate(streamID: 1, increment: 16_384),
            .windowUpdate(streamID: 0, increment: 32_768), .windowUpdate(streamID: 1, increment: 16_384),
        ])
    }

    @Test func aProtocolViolationSaysWhyWithGoAwayAndLosesWhatWasOpen() throws {
        let connection = try Connection.open()
        connection.send(1, 2)
        _ = try connection.written()
        try connection.channel.writeInbound(HTTP2InboundFrame.pushPromise(streamID: 1))
        #expect(try connection.written() == [.goAway(lastStreamID: 0, errorCode: HTTP2Wire.ErrorCode.protocolError, debugData: ByteBuffer())])
        #expect(!connection.channel.isActive)
        #expect(connection.reports.kinds() == ["1:lost", "2:lost"])
        #expect(connection.reports.closedWith.first??.contains("PUSH_PROMISE") == true)
    }

    @Test func aGatewayWithoutH2IsClosedWithAReason() throws {
        let handler = HTTP2ConnectionHandler(
            slot: 0, generation: 1, configuration: .init(machine: .init(), pingInterval: .seconds(60), authority: "h"),
            authentication: .certificate)
        let reports = Reports()
        handler.delegate = reports
        let channel = EmbeddedChannel(handler: handler)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 443)).wait()
        channel.pipeline.fireUserInboundEventTriggered(TLSUserEvent.handshakeCompleted(negotiatedProtocol: "http/1.1"))
        #expect(!channel.isActive)
        #expect(reports.ready == 0)
        #expect(reports.closedWith.first??.contains("ALPN gave http/1.1") == true)
    }
}
