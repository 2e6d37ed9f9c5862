@testable import APNSBinary
import NIOCore
import NIOEmbedded
import NIOTLS
import PushCore
import Testing

/// Records what the handler tells the pool.
final class RecordingDelegate: GatewayConnectionDelegate {
    var ready = 0
    var writable = 0
    var settlements: [(InFlightWindow.Settlement, [UInt64])] = []
    var closed: [(any Error)?] = []

    func connectionBecameReady(_ connection: GatewayConnectionHandler) { ready += 1 }
    func connectionBecameWritable(_ connection: GatewayConnectionHandler) { writable += 1 }
    func connection(
        _ connection: GatewayConnectionHandler, settled settlement: InFlightWindow.Settlement,
        notifications: [PendingNotification]
    ) {
        settlements.append((settlement, notifications.map(\.notification.tag)))
    }
    func connectionClosed(_ connection: GatewayConnectionHandler, error: (any Error)?) { closed.append(error) }
}

@Suite struct GatewayConnectionHandlerTests {
    static let content = try! NotificationContent(payload: Payload(validating: "{}", limit: .binaryFrame))

    static func notification(_ tag: UInt64) -> PendingNotification {
        PendingNotification(notification: GatewayNotification(
            tag: tag, deviceToken: try! DeviceToken(bytes: [UInt8(tag), 0xEE]), content: content))
    }

    /// The bytes of notification `tag` written under `id`.
    static func frame(_ tag: UInt64, id: UInt32) -> [UInt8] {
        var buffer = ByteBuffer()
        NotificationFrameEncoder.write(
            format: .frame, identifier: id, deviceToken: [UInt8(tag), 0xEE], payload: ByteBuffer(string: "{}"),
            expiration: 0, priority: 10, into: &buffer)
        return Array(buffer.readableBytesView)
    }

    static func probe(id: UInt32) -> [UInt8] {
        var buffer = ByteBuffer()
        NotificationFrameEncoder.write(
            format: .frame, identifier: id, deviceToken: [UInt8](), payload: ByteBuffer(string: #"{"aps":{}}"#),
            expiration: 0, priority: 10, into: &buffer)
        return Array(buffer.readableBytesView)
    }

    struct Harness {
        let channel = EmbeddedChannel()
        let handler: GatewayConnectionHandler
        let delegate = RecordingDelegate()

        init(capacity: Int = 100, ready: Bool = true) throws {
            handler = GatewayConnectionHandler(
                slot: 0,
                configuration: .init(
                    windowCapacity: capacity, idleProbeDelay: .milliseconds(200), probeTimeout: .seconds(5)))
            handler.delegate = delegate
            try channel.pipeline.syncOperations.addHandlers(ByteToMessageHandler(ErrorResponseDecoder()), handler)
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 2195)).wait()
            if ready {
                channel.pipeline.fireUserInboundEventTriggered(TLSUserEvent.handshakeCompleted(negotiatedProtocol: nil))
            }
        }

        /// Everything written to the socket so far.
        func written() throws -> [UInt8] {
            var bytes: [UInt8] = []
            while let buffer = try channel.readOutbound(as: ByteBuffer.self) { bytes += buffer.readableBytesView }
            return bytes
        }

        func receive(_ bytes: [UInt8]) throws {
            try channel.writeInbound(ByteBuffer(bytes: bytes))
        }
    }

    @Test func takesNothingBeforeTheTLSHandshake() throws {
        let h = try Harness(ready: false)
        #expect(!h.handler.enqueue(Self.notification(1)))
        h.channel.pipeline.fireUserInboundEventTriggered(TLSUserEvent.handshakeCompleted(negotiatedProtocol: nil))
        #expect(h.delegate.ready == 1)
        #expect(h.handler.enqueue(Self.notification(1)))
    }

    @Test func batchesFramesUntilFlushWithIdsFromOne() throws {
        let h = try Harness()
        for tag in 1...3 { #expect(h.handler.enqueue(Self.notification(UInt64(tag)))) }
        #expect(try h.written().isEmpty, "nothing goes out before the flush")
        h.handler.flush()
        #expect(try h.written() == Self.frame(1, id: 1) + Self.frame(2, id: 2) + Self.frame(3, id: 3))
    }

    @Test func errorResponseSettlesAndCloses() throws {
        let h = try Harness()
        for tag in 10...14 { _ = h.handler.enqueue(Self.notification(UInt64(tag))) }
        h.handler.flush()
        try h.receive([0x08, 0x08, 0x00, 0x00, 0x00, 0x03])
        let (settlement, tags) = try #require(h.delegate.settlements.first)
        #expect(settlement == .init(cause: .rejected, accepted: 1..<3, rejected: (3, .invalidToken), resend: 4..<6))
        #expect(tags == [10, 11, 12, 13, 14])
        #expect(!h.channel.isActive)
        #expect(h.delegate.closed.count == 1)
        #expect(h.delegate.settlements.count == 1, "the close after a response settles nothing more")
    }

    @Test func fullWindowWritesTheProbeAndItsAnswerAcceptsAll() throws {
        let h = try Harness(capacity: 2)
        #expect(h.handler.enqueue(Self.notification(1)))
        #expect(h.handler.enqueue(Self.notification(2)))
        #expect(!h.handler.enqueue(Self.notification(3)), "a full window takes nothing")
        #expect(try h.written() == Self.frame(1, id: 1) + Self.frame(2, id: 2) + Self.probe(id: 3))
        try h.receive([0x08, 0x02, 0x00, 0x00, 0x00, 0x03])
        #expect(h.delegate.settlements.first?.0 == .init(cause: .probeAnswered, accepted: 1..<3, resend: .noIDs))
        #expect(!h.channel.isActive)
    }

    @Test func closeWithoutResponseHandsEverythingBack() throws {
        let h = try Harness()
        for tag in 1...4 { _ = h.handler.enqueue(Self.notification(UInt64(tag))) }
        h.handler.flush()
        try h.channel.close().wait()
        #expect(h.delegate.settlements.first?.0 == .init(cause: .closedWithoutResponse, accepted: .noIDs, resend: 1..<5))
        #expect(h.delegate.settlements.first?.1 == [1, 2, 3, 4])
    }

    @Test func idleConnectionIsProvedWithTheProbe() throws {
        let h = try Harness()
        _ = h.handler.enqueue(Self.notification(7))
        h.handler.flush()
        _ = try h.written()
        h.channel.embeddedEventLoop.advanceTime(by: .milliseconds(199))
        #expect(try h.written().isEmpty)
        h.channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(try h.written() == Self.probe(id: 2))
        try h.receive([0x08, 0x02, 0x00, 0x00, 0x00, 0x00])  // answered with id 0, as the sandbox once did
        #expect(h.delegate.settlements.first?.0 == .init(cause: .probeAnswered, accepted: 1..<2, resend: .noIDs))
    }

    @Test func unansweredProbeClosesTheConnection() throws {
        let h = try Harness()
        _ = h.handler.enqueue(Self.notification(7))
        h.handler.drain()
        #expect(try h.written() == Self.frame(7, id: 1) + Self.probe(id: 2))
        h.channel.embeddedEventLoop.advanceTime(by: .seconds(5))
        #expect(!h.channel.isActive)
        #expect(h.delegate.settlements.first?.0 == .init(cause: .closedWithoutResponse, accepted: .noIDs, resend: 1..<2))
    }

    @Test func unwritableChannelTakesNothing() throws {
        let h = try Harness()
        h.channel.isWritable = false
        h.channel.pipeline.fireChannelWritabilityChanged()
        #expect(!h.handler.enqueue(Self.notification(1)))
        h.channel.isWritable = true
        h.channel.pipeline.fireChannelWritabilityChanged()
        #expect(h.delegate.writable == 1)
        #expect(h.handler.enqueue(Self.notification(1)))
    }

    @Test func garbageFromTheGatewayClosesAndResends() throws {
        let h = try Harness()
        _ = h.handler.enqueue(Self.notification(1))
        h.handler.flush()
        try h.receive([0x07, 0x00])  // the handler takes the decoder error and closes
        #expect(!h.channel.isActive)
        #expect(h.delegate.settlements.first?.0 == .init(cause: .closedWithoutResponse, accepted: .noIDs, resend: 1..<2))
        #expect(h.delegate.closed.first.flatMap { $0 } is GatewayProtocolError)
    }

    @Test func drainingAnEmptyConnectionClosesItAsRetired() throws {
        let h = try Harness()
        h.handler.drain()
        #expect(!h.channel.isActive)
        #expect(h.handler.closedByPool)
    }
}
