import NIOCore
import NIOHPACK
import NIOHTTP2

/// All request streams of one connection, at frame level behind `NIOHTTP2Handler`: assembles
/// each stream's request (`HTTP2StreamRequests`), asks the connection for the response and
/// writes it on the stream, and gives the client flow-control credit. Flushes once per read
/// batch; with a response latency, one timer per read batch writes that batch's responses.
final class HTTP2PushFrameHandler: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame
    typealias OutboundOut = HTTP2Frame

    private let connection: HTTP2GatewayConnection
    private let connectionWindowTarget: Int
    private let streamWindowTarget: Int
    private var requests = HTTP2StreamRequests()
    /// Responses of the current read batch that wait out the latency.
    private var delayed: [(streamID: HTTP2StreamID, response: PushResponse)] = []
    private var unflushed = false
    /// The connection closed: delayed responses are dropped.
    private var removed = false

    /// - Parameters:
    ///   - connectionWindowTarget: the connection's inbound flow-control window to keep up.
    ///   - streamWindowTarget: each stream's inbound flow-control window to keep up.
    init(connection: HTTP2GatewayConnection, connectionWindowTarget: Int, streamWindowTarget: Int) {
        self.connection = connection
        self.connectionWindowTarget = connectionWindowTarget
        self.streamWindowTarget = streamWindowTarget
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        removed = true
    }

    func channelInactive(context: ChannelHandlerContext) {
        removed = true
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        let request: PushRequest?
        switch frame.payload {
        case .headers(let headers):
            request = requests.receivedHeaders(headers.headers, endStream: headers.endStream, on: frame.streamID)
        case .data(let data):
            guard case .byteBuffer(let bytes) = data.data else { return }
            request = requests.receivedData(bytes, endStream: data.endStream, on: frame.streamID)
        default:
            return
        }
        if let request { requestComplete(request, on: frame.streamID, context: context) }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if !delayed.isEmpty { scheduleDelayedResponses(context: context) }
        if unflushed {
            unflushed = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    /// NIOHTTP2's stream events end here (nothing after this handler wants them).
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case is NIOHTTP2StreamCreatedEvent:
            connection.streamOpened()
        case let closed as StreamClosedEvent:
            requests.forget(closed.streamID)
            connection.streamClosed()
        case let window as NIOHTTP2WindowUpdatedEvent:
            windowChanged(window, context: context)
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    private func requestComplete(_ request: PushRequest, on streamID: HTTP2StreamID, context: ChannelHandlerContext) {
        guard let response = connection.respond(to: request, streamID: Int(streamID)) else {
            // Excluded by GOAWAY: neither processed nor answered.
            requests.forget(streamID)
            return
        }
        if connection.responseLatency == nil {
            write(response, on: streamID, context: context)
        } else {
            delayed.append((streamID, response))
        }
    }

    private func scheduleDelayedResponses(context: ChannelHandlerContext) {
        guard let latency = connection.responseLatency else { return }
        let batch = delayed
        delayed.removeAll(keepingCapacity: true)
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: latency) {
            let (handler, context) = loopBound.value
            handler.writeDelayed(batch, context: context)
        }
    }

    private func writeDelayed(_ batch: [(streamID: HTTP2StreamID, response: PushResponse)], context: ChannelHandlerContext) {
        guard !removed else { return }
        // A stream reset by the client meanwhile is no longer awaiting its response.
        for (streamID, response) in batch where requests.awaitsResponse(streamID) {
            write(response, on: streamID, context: context)
        }
        if unflushed {
            unflushed = false
            context.flush()
        }
    }

    private func write(_ response: PushResponse, on streamID: HTTP2StreamID, context: ChannelHandlerContext) {
        requests.forget(streamID)
        let body = response.body(allocator: context.channel.allocator)
        let headers = HTTP2Frame.FramePayload.headers(.init(headers: response.headers, endStream: body == nil))
        context.write(wrapOutboundOut(HTTP2Frame(streamID: streamID, payload: headers)), promise: nil)
        if let body {
            let data = HTTP2Frame.FramePayload.data(.init(data: .byteBuffer(body), endStream: true))
            context.write(wrapOutboundOut(HTTP2Frame(streamID: streamID, payload: data)), promise: nil)
        }
        unflushed = true
        connection.responseWritten(streamID: Int(streamID), accepted: response.reason == nil)
    }

    /// Tops up the connection's or a stream's inbound window once the client used half of it.
    private func windowChanged(_ event: NIOHTTP2WindowUpdatedEvent, context: ChannelHandlerContext) {
        guard let size = event.inboundWindowSize else { return }
        let target = event.streamID == .rootStream ? connectionWindowTarget : streamWindowTarget
        guard let increment = HTTP2InboundWindow.increment(size: size, target: target) else { return }
        let frame = HTTP2Frame(streamID: event.streamID, payload: .windowUpdate(windowSizeIncrement: increment))
        context.write(wrapOutboundOut(frame), promise: nil)
        unflushed = true
    }
}

@available(*, unavailable)
extension HTTP2PushFrameHandler: Sendable {}
