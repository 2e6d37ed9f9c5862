import HTTP2Wire
import NIOCore
import NIOHPACK

/// The server side of one HTTP/2 connection on `HTTP2Wire` frames (after `HTTP2FrameDecoder`,
/// which checked the client preface): enforces the stream rules APNs' clients must follow,
/// assembles each stream's request (`HTTP2StreamRequests`), asks the connection for the
/// response and writes it, and keeps the flow-control windows. Frames are gathered in one buffer
/// and written at the end of each read batch (one flush); with a response latency, one timer per
/// read batch writes that batch's responses.
///
/// Rules enforced, each a connection error (GOAWAY, close) unless marked: client stream ids odd
/// and increasing; a new stream beyond the acknowledged SETTINGS_MAX_CONCURRENT_STREAMS is
/// refused with RST_STREAM REFUSED_STREAM (a stream error; the limit a SETTINGS frame announces
/// applies once the client acknowledged it); DATA beyond the connection window; no
/// PUSH_PROMISE; header blocks not interleaved; HPACK that does not decode.
final class HTTP2PushFrameHandler: ChannelInboundHandler {
    typealias InboundIn = HTTP2InboundFrame
    typealias OutboundOut = ByteBuffer

    private let connection: HTTP2GatewayConnection
    private let connectionWindowTarget: Int
    private var requests = HTTP2StreamRequests()
    private var headerBlocks = HTTP2HeaderBlockReader()
    private var encoder = HPACKEncoder(allocator: ByteBufferAllocator(), maxDynamicTableSize: 0)
    private var outbound = ByteBuffer()
    private var lastClientStreamID: UInt32 = 0
    /// Streams with a request in progress or awaiting its response.
    private var openStreams = 0
    /// Stream limits announced and not yet acknowledged, oldest first.
    private var announcedLimits: [Int] = []
    /// The limit in force (none until the client acknowledged our first SETTINGS).
    private var enforcedLimit = Int.max
    private var receiveWindow = HTTP2Wire.initialWindowSize
    private var sendWindow = HTTP2Wire.initialWindowSize
    /// Responses with a body that wait for the client's WINDOW_UPDATE.
    private var blocked: [(streamID: UInt32, response: PushResponse)] = []
    /// Responses of the current read batch that wait out the latency.
    private var delayed: [(streamID: UInt32, response: PushResponse)] = []
    private var closed = false

    /// - Parameter connectionWindowTarget: the connection's receive window to keep up.
    init(connection: HTTP2GatewayConnection, connectionWindowTarget: Int) {
        self.connection = connection
        self.connectionWindowTarget = connectionWindowTarget
    }

    /// Sends our SETTINGS and the connection window's first top-up (the handler is added once
    /// TLS agreed on h2).
    func handlerAdded(context: ChannelHandlerContext) {
        let limit = connection.initialStreamLimit
        announcedLimits.append(limit)
        HTTP2Wire.writeSettings(
            [
                HTTP2SettingValue(HTTP2Wire.Setting.maxConcurrentStreams, UInt32(limit)),
                HTTP2SettingValue(HTTP2Wire.Setting.enablePush, 0),
            ], into: &outbound)
        HTTP2Wire.writeWindowUpdate(connectionWindowTarget - receiveWindow, into: &outbound)
        receiveWindow = connectionWindowTarget
        flush(context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closed else { return }
        do {
            try receive(unwrapInboundIn(data), context: context)
        } catch {
            fail(error, context: context)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if !delayed.isEmpty { scheduleDelayedResponses(context: context) }
        flush(context: context)
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error as? HTTP2WireError ?? HTTP2WireError("\(error)", code: HTTP2Wire.ErrorCode.protocolError), context: context)
    }

    // MARK: Frames from the client

    private func receive(_ frame: HTTP2InboundFrame, context: ChannelHandlerContext) throws(HTTP2WireError) {
        switch try headerBlocks.read(frame) {
        case .block(let block):
            return try headerBlock(block)
        case .pending:
            return
        case .other:
            break
        }
        switch frame {
        case .headers, .continuation:
            break  // read above
        case .data(let streamID, let payload, let endStream, let flowControlledLength):
            try dataReceived(payload, streamID: streamID, endStream: endStream, flowControlledLength: flowControlledLength, context: context)
        case .rstStream(let streamID, _):
            if requests.isKnown(streamID) {
                requests.forget(streamID)
                streamClosed()
            }
        case .settings(let values):
            for setting in values where setting.identifier == HTTP2Wire.Setting.maxFrameSize && setting.value < HTTP2Wire.maximumFrameLength {
                throw HTTP2WireError("SETTINGS_MAX_FRAME_SIZE \(setting.value) is below the minimum", code: HTTP2Wire.ErrorCode.protocolError)
            }
            HTTP2Wire.writeSettingsAcknowledgement(into: &outbound)
        case .settingsAcknowledged:
            if !announcedLimits.isEmpty { enforcedLimit = announcedLimits.removeFirst() }
        case .ping(let opaque, let ack):
            if !ack { HTTP2Wire.writePing(opaque, ack: true, into: &outbound) }
        case .goAway:
            if openStreams == 0 { context.close(promise: nil) }
        case .windowUpdate(let streamID, let increment):
            if streamID == 0 { try sendWindowIncreased(by: Int(increment), context: context) }
        case .pushPromise:
            throw HTTP2WireError("a client sent PUSH_PROMISE", code: HTTP2Wire.ErrorCode.protocolError)
        case .ignored:
            break
        }
    }

    private func headerBlock(_ block: HTTP2HeaderBlockReader.Block) throws(HTTP2WireError) {
        let streamID = block.streamID
        if streamID > lastClientStreamID {
            guard streamID % 2 == 1 else {
                throw HTTP2WireError("the client opened even stream \(streamID)", code: HTTP2Wire.ErrorCode.protocolError)
            }
            lastClientStreamID = streamID
            guard openStreams < enforcedLimit else {
                HTTP2Wire.writeRstStream(streamID: streamID, errorCode: HTTP2Wire.ErrorCode.refusedStream, into: &outbound)
                return
            }
            openStreams += 1
            connection.streamOpened()
        } else if !requests.isKnown(streamID) {
            return  // a stream already closed: ignored
        }
        if let request = requests.receivedHeaders(block.headers, endStream: block.endStream, on: streamID) {
            requestComplete(request, on: streamID)
        }
    }

    private func dataReceived(
        _ payload: ByteBuffer, streamID: UInt32, endStream: Bool, flowControlledLength: Int, context: ChannelHandlerContext
    ) throws(HTTP2WireError) {
        receiveWindow -= flowControlledLength
        guard receiveWindow >= 0 else {
            throw HTTP2WireError("the client sent DATA beyond the connection window", code: HTTP2Wire.ErrorCode.flowControlError)
        }
        if let increment = HTTP2InboundWindow.increment(size: receiveWindow, target: connectionWindowTarget) {
            HTTP2Wire.writeWindowUpdate(increment, into: &outbound)
            receiveWindow += increment
        }
        guard requests.isKnown(streamID) else { return }
        // A body in several frames: give the stream its bytes back at once, so a body larger than
        // the stream window can arrive whole (the rules then refuse it by size).
        if !endStream && flowControlledLength > 0 {
            HTTP2Wire.writeWindowUpdate(flowControlledLength, streamID: streamID, into: &outbound)
        }
        if let request = requests.receivedData(payload, endStream: endStream, on: streamID) {
            requestComplete(request, on: streamID)
        }
    }

    private func sendWindowIncreased(by increment: Int, context: ChannelHandlerContext) throws(HTTP2WireError) {
        sendWindow += increment
        guard sendWindow <= Int(Int32.max) else {
            throw HTTP2WireError("the client's WINDOW_UPDATE took the window above 2³¹ − 1", code: HTTP2Wire.ErrorCode.flowControlError)
        }
        let waiting = blocked
        blocked.removeAll()
        for (streamID, response) in waiting where requests.awaitsResponse(streamID) { write(response, on: streamID) }
    }

    // MARK: Responses

    private func requestComplete(_ request: PushRequest, on streamID: UInt32) {
        guard let response = connection.respond(to: request, streamID: Int(streamID)) else {
            // Excluded by GOAWAY: neither processed nor answered.
            requests.forget(streamID)
            streamClosed()
            return
        }
        if connection.responseLatency == nil {
            write(response, on: streamID)
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
            guard !handler.closed else { return }
            // A stream reset by the client meanwhile is no longer awaiting its response.
            for (streamID, response) in batch where handler.requests.awaitsResponse(streamID) {
                handler.write(response, on: streamID)
            }
            handler.flush(context: context)
        }
    }

    private func write(_ response: PushResponse, on streamID: UInt32) {
        let body = response.body()
        if let body, body.readableBytes > sendWindow {
            blocked.append((streamID, response))
            return
        }
        requests.forget(streamID)
        var block = ByteBuffer()
        try! encoder.encode(headers: response.headers, to: &block)
        HTTP2Wire.writeHeaders(block, streamID: streamID, endStream: body == nil, into: &outbound)
        if let body {
            sendWindow -= body.readableBytes
            HTTP2Wire.writeData(body, streamID: streamID, endStream: true, into: &outbound)
        }
        let actions = connection.responseWritten(streamID: Int(streamID), accepted: response.reason == nil)
        for action in actions {
            switch action {
            case .announceStreamLimit(let limit):
                announcedLimits.append(limit)
                HTTP2Wire.writeSettings([HTTP2SettingValue(HTTP2Wire.Setting.maxConcurrentStreams, UInt32(limit))], into: &outbound)
            case .goAway(let lastStreamID):
                HTTP2Wire.writeGoAway(
                    lastStreamID: UInt32(lastStreamID), errorCode: HTTP2Wire.ErrorCode.noError,
                    debugData: connection.goAwayDebugData, into: &outbound)
            }
        }
        streamClosed()
    }

    private func streamClosed() {
        openStreams -= 1
        connection.streamClosed()
    }

    private func flush(context: ChannelHandlerContext) {
        guard outbound.readableBytes > 0 else { return }
        context.write(wrapOutboundOut(outbound), promise: nil)
        outbound = context.channel.allocator.buffer(capacity: 4_096)
        context.flush()
    }

    /// A protocol violation by the client: GOAWAY with the code, then close.
    private func fail(_ error: HTTP2WireError, context: ChannelHandlerContext) {
        guard !closed else { return }
        closed = true
        HTTP2Wire.writeGoAway(lastStreamID: lastClientStreamID, errorCode: error.code, debugData: ByteBuffer(string: error.message), into: &outbound)
        flush(context: context)
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension HTTP2PushFrameHandler: Sendable {}
