import NIOCore
import NIOHPACK
import NIOHTTP2

/// One request stream: collects the header block and body, asks the connection for the
/// response and writes it (after the fault plan's latency, if any).
final class HTTP2PushStreamHandler: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias OutboundOut = HTTP2Frame.FramePayload

    private let connection: HTTP2GatewayConnection
    private var headers: HPACKHeaders?
    private var body = ByteBuffer()
    private var bodyLength = 0
    private var answered = false
    /// The stream closed (e.g. reset by the client); a delayed response is dropped.
    private var removed = false

    init(connection: HTTP2GatewayConnection) {
        self.connection = connection
    }

    func handlerAdded(context: ChannelHandlerContext) {
        connection.streamOpened()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        removed = true
        connection.streamClosed()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .headers(let frame):
            // A second header block is a trailer; APNs requests have none, so it only ends the stream.
            if headers == nil { headers = frame.headers }
            if frame.endStream { requestComplete(context: context) }
        case .data(let frame):
            if case .byteBuffer(var bytes) = frame.data {
                bodyLength += bytes.readableBytes
                if body.readableBytes < PushRequestRules.largestBufferedBody {
                    body.writeBuffer(&bytes)
                }
            }
            if frame.endStream { requestComplete(context: context) }
        default:
            break
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func requestComplete(context: ChannelHandlerContext) {
        guard !answered, let headers else { return }
        answered = true
        let streamID = (try? context.channel.syncOptions?.getOption(HTTP2StreamChannelOptions.streamID)).map { Int($0) } ?? 0
        let request = PushRequest(headers: headers, body: body, bodyLength: bodyLength)
        body = ByteBuffer()
        guard let response = connection.respond(to: request, streamID: streamID) else { return }

        if let latency = connection.responseLatency {
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: latency) {
                let (handler, context) = loopBound.value
                if !handler.removed { handler.write(response, streamID: streamID, context: context) }
            }
        } else {
            write(response, streamID: streamID, context: context)
        }
    }

    private func write(_ response: PushResponse, streamID: Int, context: ChannelHandlerContext) {
        let body = response.body(allocator: context.channel.allocator)
        context.write(wrapOutboundOut(.headers(.init(headers: response.headers, endStream: body == nil))), promise: nil)
        if let body {
            context.write(wrapOutboundOut(.data(.init(data: .byteBuffer(body), endStream: true))), promise: nil)
        }
        context.flush()
        connection.responseWritten(streamID: streamID, accepted: response.reason == nil)
    }
}

@available(*, unavailable)
extension HTTP2PushStreamHandler: Sendable {}
