import APNSBinary
import NIOCore
import NIOSSL
import NIOTLS

/// One feedback connection: once the TLS handshake has accepted the client, write every tuple
/// (`<timestamp:4> <token length:2> <token>`), optionally cut the last one short, and close
/// (unless the plan keeps the connection open; the client then closes it).
/// Whatever the client sends is ignored.
final class FeedbackServiceHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let store: FeedbackStore
    private let recorder: GatewayRecorder
    private var handshakeCompleted = false
    private var tuplesServed = 0

    init(store: FeedbackStore, recorder: GatewayRecorder) {
        self.store = store
        self.recorder = recorder
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent, !handshakeCompleted {
            handshakeCompleted = true
            serve(context: context)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        recorder.feedbackConnectionClosed(context.channel, tuplesServed: tuplesServed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !handshakeCompleted { recorder.handshakeFailed() }
        context.close(promise: nil)
    }

    private func serve(context: ChannelHandlerContext) {
        let (tuples, truncate, keepOpen) = store.take()
        var bytes = context.channel.allocator.buffer(capacity: tuples.count * 38)
        for tuple in tuples {
            bytes.writeInteger(tuple.timestamp)
            bytes.writeInteger(UInt16(truncatingIfNeeded: tuple.deviceToken.readableBytes))
            var token = tuple.deviceToken
            bytes.writeBuffer(&token)
        }
        var complete = tuples.count
        if truncate, let last = tuples.last {
            // Keep the header and half of the token of the last tuple.
            let lastLength = 6 + last.deviceToken.readableBytes
            bytes.moveWriterIndex(to: bytes.writerIndex - lastLength + 6 + last.deviceToken.readableBytes / 2)
            complete -= 1
        }
        tuplesServed = complete
        guard !keepOpen else {
            context.writeAndFlush(wrapOutboundOut(bytes), promise: nil)
            return
        }
        let channel = context.channel
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(bytes), promise: written)
        written.futureResult.whenComplete { _ in channel.close(promise: nil) }
    }
}

@available(*, unavailable)
extension FeedbackServiceHandler: Sendable {}
