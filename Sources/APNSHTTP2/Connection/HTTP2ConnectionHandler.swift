import HTTP2Wire
import NIOCore
import NIOHPACK
import NIOTLS

/// The I/O side of one HTTP/2 connection, after TLS and ``HTTP2FrameDecoder``: it writes the
/// preface, each notification as a HEADERS and a DATA frame (``HTTP2RequestEncoder``) on the
/// stream id the ``HTTP2ConnectionStateMachine`` hands out, assembles responses from the frames
/// that come back (``HTTP2OpenStream``), answers SETTINGS and PING, gives back the receive window,
/// and executes the machine's actions. All decisions are the machine's; this class only turns NIO
/// callbacks into events and actions into I/O.
///
/// Frames are collected in one buffer and written when the pool calls ``flush()`` after a round of
/// notifications, or at the end of a read: a round costs one TLS write.
final class HTTP2ConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = HTTP2InboundFrame
    typealias OutboundOut = ByteBuffer

    struct Configuration: Sendable {
        var machine: HTTP2ConnectionStateMachine.Configuration
        var pingInterval: TimeAmount
        /// `:authority` of every request.
        var authority: String
    }

    let slot: Int
    let generation: UInt64
    weak var delegate: (any HTTP2ConnectionDelegate)?
    private let configuration: Configuration
    private let authentication: HTTP2Authentication
    private(set) var machine: HTTP2ConnectionStateMachine
    private var context: ChannelHandlerContext?
    private var ready = false
    private var pingTimer: RepeatedTask?
    private var firstError: (any Error)?
    private var encoder: HTTP2RequestEncoder
    private var headerBlocks = HTTP2HeaderBlockReader()
    private var outbound = ByteBuffer()
    /// The provider token of the last request and its `authorization` value.
    private var lastAuthorization: (token: String, header: String)?
    /// Set when the pool asked for the close (drain or pool failure).
    private(set) var closedByPool = false
    /// Set when the server sent GOAWAY.
    private(set) var receivedGoAway = false
    /// Requests written and not settled yet, by stream id. The connection's close settles
    /// whatever is left here.
    private var open: [UInt32: HTTP2OpenStream] = [:]

    init(slot: Int, generation: UInt64, configuration: Configuration, authentication: HTTP2Authentication) {
        self.slot = slot
        self.generation = generation
        self.configuration = configuration
        self.authentication = authentication
        self.machine = HTTP2ConnectionStateMachine(configuration: configuration.machine)
        self.encoder = HTTP2RequestEncoder(authority: configuration.authority)
    }

    /// Streams that may be opened now.
    var room: Int { ready && context != nil ? machine.room : 0 }

    /// Whether any request on this connection was answered.
    var answered: Bool { machine.answered }

    // MARK: Pool calls (on the loop)

    /// Writes `pending` on a new stream (sent by ``flush()``). Only call while ``room`` is positive.
    func send(_ pending: PendingHTTP2Notification) {
        let streamID = UInt32(machine.streamOpened(bodyBytes: pending.notification.content.payload.readableBytes))
        var providerToken: String?
        if case .token(let source) = authentication {
            let token = source.currentToken()
            if token != lastAuthorization?.token { lastAuthorization = (token, HTTP2Request.authorization(bearing: token)) }
            providerToken = token
        }
        open[streamID] = HTTP2OpenStream(pending: pending, providerToken: providerToken)
        encoder.writeRequest(pending.notification, streamID: streamID, authorization: lastAuthorization?.header, into: &outbound)
    }

    /// Sends the frames written since the last flush.
    func flush() {
        guard outbound.readableBytes > 0, let context else { return }
        let written = outbound.readableBytes
        context.writeAndFlush(wrapOutboundOut(outbound), promise: nil)
        // The next round is likely as large: no growing (and copying) the buffer on the way.
        outbound = context.channel.allocator.buffer(capacity: min(max(written, 4_096), 1 << 20))
    }

    /// Close once the open streams finish.
    func drain() {
        closedByPool = true
        run(machine.drainRequested())
    }

    /// Close now (the pool failed).
    func closeNow() {
        closedByPool = true
        context?.close(promise: nil)
    }

    // MARK: ChannelInboundHandler

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted(let negotiated) = event as? TLSUserEvent {
            handshakeCompleted(context: context, negotiated: negotiated)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        do {
            try receive(unwrapInboundIn(data))
        } catch {
            fail(error, code: error.code)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        flush()
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error, code: (error as? HTTP2WireError)?.code ?? HTTP2Wire.ErrorCode.protocolError)
    }

    func channelInactive(context: ChannelHandlerContext) {
        pingTimer?.cancel()
        pingTimer = nil
        // Streams that did not settle by now never will. Their requests were written, so APNs may
        // have processed them.
        for streamID in open.keys.sorted() {
            let stream = open.removeValue(forKey: streamID)!
            _ = machine.streamFailed(streamID: Int(streamID), refused: false)
            delegate?.connection(self, finished: stream.pending, .lost(reason: "the connection closed before the stream was answered"))
        }
        machine.channelClosed()
        delegate?.connectionClosed(self, error: firstError)
        context.fireChannelInactive()
    }

    // MARK: Frames from the gateway

    private func receive(_ frame: HTTP2InboundFrame) throws(HTTP2WireError) {
        switch try headerBlocks.read(frame) {
        case .block(let block):
            if open[block.streamID]?.received(block.headers, endStream: block.endStream) == true { settle(block.streamID) }
            return
        case .pending:
            return
        case .other:
            break
        }
        switch frame {
        case .headers, .continuation:
            break  // read above
        case .data(let streamID, let payload, let endStream, let flowControlledLength):
            if let increment = machine.dataReceived(bytes: flowControlledLength) {
                HTTP2Wire.writeWindowUpdate(increment, into: &outbound)
            }
            guard open[streamID] != nil else { return }
            // A body in several frames: give the stream its bytes back at once, so a response
            // larger than the stream window still arrives whole.
            if !endStream && flowControlledLength > 0 {
                HTTP2Wire.writeWindowUpdate(flowControlledLength, streamID: streamID, into: &outbound)
            }
            if open[streamID]?.received(payload, endStream: endStream) == true { settle(streamID) }
        case .rstStream(let streamID, let errorCode):
            streamReset(streamID, errorCode: errorCode)
        case .settings(let values):
            try settingsReceived(values)
        case .settingsAcknowledged:
            break
        case .ping(let opaque, let ack):
            if ack { machine.pingAcknowledged() } else { HTTP2Wire.writePing(opaque, ack: true, into: &outbound) }
        case .goAway(let lastStreamID, _, _):
            goAwayReceived(lastStreamID: lastStreamID)
        case .windowUpdate(let streamID, let increment):
            // Stream windows do not matter: a request's body goes out whole with its HEADERS,
            // within the initial stream window.
            if streamID == 0 { run(machine.sendWindowIncreased(by: Int(increment))) }
        case .pushPromise:
            throw HTTP2WireError("PUSH_PROMISE although SETTINGS_ENABLE_PUSH is 0", code: HTTP2Wire.ErrorCode.protocolError)
        case .ignored:
            break
        }
    }

    private func settingsReceived(_ values: [HTTP2SettingValue]) throws(HTTP2WireError) {
        var maxConcurrentStreams: Int?
        var initialWindowSize: Int?
        for setting in values {
            switch setting.identifier {
            case HTTP2Wire.Setting.maxConcurrentStreams: maxConcurrentStreams = Int(setting.value)
            case HTTP2Wire.Setting.initialWindowSize: initialWindowSize = Int(setting.value)
            case HTTP2Wire.Setting.maxFrameSize where setting.value < HTTP2Wire.maximumFrameLength:
                throw HTTP2WireError("SETTINGS_MAX_FRAME_SIZE \(setting.value) is below the minimum", code: HTTP2Wire.ErrorCode.protocolError)
            default: break
            }
        }
        HTTP2Wire.writeSettingsAcknowledgement(into: &outbound)
        run(machine.settingsReceived(maxConcurrentStreams: maxConcurrentStreams, initialWindowSize: initialWindowSize))
    }

    private func goAwayReceived(lastStreamID: UInt32) {
        receivedGoAway = true
        let action = machine.goAwayReceived(lastStreamID: Int(lastStreamID))
        // Streams above the last id were not processed; they go to another connection.
        for streamID in open.keys.sorted() where streamID > lastStreamID {
            let stream = open.removeValue(forKey: streamID)!
            let (_, streamAction) = machine.streamFailed(streamID: Int(streamID), refused: true)
            delegate?.connection(self, finished: stream.pending, .notProcessed(reason: "the gateway's GOAWAY ended at stream \(lastStreamID)"))
            run(streamAction)
        }
        run(action)
    }

    // MARK: Settling streams

    /// The stream's response is complete.
    private func settle(_ streamID: UInt32) {
        guard let stream = open.removeValue(forKey: streamID) else { return }
        if let response = stream.response {
            let action = machine.responseReceived()
            delegate?.connection(self, finished: stream.pending, .answered(response, providerToken: stream.providerToken))
            run(action)
        } else {
            let (_, action) = machine.streamFailed(streamID: Int(streamID), refused: false)
            delegate?.connection(self, finished: stream.pending, .lost(reason: "the response had no valid :status"))
            run(action)
        }
    }

    private func streamReset(_ streamID: UInt32, errorCode: UInt32) {
        guard let stream = open.removeValue(forKey: streamID) else { return }
        let (end, action) = machine.streamFailed(streamID: Int(streamID), refused: errorCode == HTTP2Wire.ErrorCode.refusedStream)
        let reason = "the gateway reset the stream (\(HTTP2Wire.ErrorCode.name(errorCode)))"
        delegate?.connection(self, finished: stream.pending, end == .notProcessed ? .notProcessed(reason: reason) : .lost(reason: reason))
        run(action)
    }

    // MARK: Connection

    private func handshakeCompleted(context: ChannelHandlerContext, negotiated: String?) {
        guard negotiated == "h2" else {
            firstError = HTTP2ProtocolError(
                "the gateway did not agree to HTTP/2 in the TLS handshake (ALPN gave \(negotiated ?? "nothing"))")
            context.close(promise: nil)
            return
        }
        ready = true
        HTTP2RequestEncoder.writePreface(into: &outbound)
        flush()
        let connection = NIOLoopBound(self, eventLoop: context.eventLoop)
        pingTimer = context.eventLoop.scheduleRepeatedTask(
            initialDelay: configuration.pingInterval, delay: configuration.pingInterval
        ) { _ in connection.value.run(connection.value.machine.pingTimerFired()) }
        if machine.connected() == .offerWork { delegate?.connectionBecameReady(self) }
    }

    /// A protocol violation: say why with GOAWAY, then close.
    private func fail(_ error: any Error, code: UInt32) {
        if firstError == nil { firstError = error }
        guard let context, context.channel.isActive else { return }
        HTTP2Wire.writeGoAway(lastStreamID: 0, errorCode: code, into: &outbound)
        flush()
        context.close(promise: nil)
    }

    private func run(_ action: HTTP2ConnectionStateMachine.Action) {
        switch action {
        case .none:
            break
        case .offerWork:
            if room > 0 { delegate?.connectionHasRoom(self) }
        case .close:
            if let failure = machine.protocolFailure {
                return fail(HTTP2WireError(failure, code: HTTP2Wire.ErrorCode.flowControlError), code: HTTP2Wire.ErrorCode.flowControlError)
            }
            guard let context else { return }
            HTTP2Wire.writeGoAway(lastStreamID: 0, errorCode: HTTP2Wire.ErrorCode.noError, into: &outbound)
            flush()
            context.close(promise: nil)
        case .sendPing:
            HTTP2Wire.writePing(generation, ack: false, into: &outbound)
            flush()
        }
    }
}

@available(*, unavailable)
extension HTTP2ConnectionHandler: Sendable {}

/// The gateway broke the HTTP/2 contract we rely on (no ALPN h2, a response without `:status`).
public struct HTTP2ProtocolError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
