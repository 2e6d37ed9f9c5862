import NIOCore
import NIOHPACK
import NIOHTTP2
import NIOTLS

/// The I/O side of one HTTP/2 connection, after `NIOHTTP2Handler` (without a stream multiplexer)
/// in the pipeline: it writes each notification as a HEADERS and a DATA frame on the stream id
/// the ``HTTP2ConnectionStateMachine`` hands out, assembles the responses from the frames that
/// come back (``HTTP2OpenStream``), and executes the machine's actions. No channel per stream: a
/// request costs two frames and a dictionary entry. All decisions are the machine's; this class
/// only turns NIO callbacks into events and actions into I/O.
///
/// Writes are not flushed one by one: the pool calls ``flush()`` after handing out a round of
/// notifications, so a round costs one TLS write.
final class HTTP2ConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame
    typealias OutboundOut = HTTP2Frame

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
    private var unflushed = false
    /// The provider token of the last request and its `authorization` value.
    private var lastAuthorization: (token: String, header: String)?
    /// Set when the pool asked for the close (drain or pool failure).
    private(set) var closedByPool = false
    /// Set when the server sent GOAWAY.
    private(set) var receivedGoAway = false
    /// Requests written and not settled yet, by stream id. The connection's close settles
    /// whatever is left here, so no notification depends on its stream's close event arriving.
    private var open: [HTTP2StreamID: HTTP2OpenStream] = [:]

    init(slot: Int, generation: UInt64, configuration: Configuration, authentication: HTTP2Authentication) {
        self.slot = slot
        self.generation = generation
        self.configuration = configuration
        self.authentication = authentication
        self.machine = HTTP2ConnectionStateMachine(configuration: configuration.machine)
    }

    /// Streams that may be opened now.
    var room: Int { ready && context != nil ? machine.room : 0 }

    /// Whether any request on this connection was answered.
    var answered: Bool { machine.answered }

    // MARK: Pool calls (on the loop)

    /// Writes `pending` on a new stream (flushed by ``flush()``). Only call while ``room`` is positive.
    func send(_ pending: PendingHTTP2Notification) {
        guard let context else { preconditionFailure("send before the connection was ready") }
        let streamID = HTTP2StreamID(machine.streamOpened())
        var providerToken: String?
        var authorization: String?
        if case .token(let source) = authentication {
            let token = source.currentToken()
            if token != lastAuthorization?.token { lastAuthorization = (token, HTTP2Request.authorization(bearing: token)) }
            providerToken = token
            authorization = lastAuthorization?.header
        }
        let request = HTTP2Request(
            notification: pending.notification, authority: configuration.authority, authorization: authorization)
        open[streamID] = HTTP2OpenStream(pending: pending, providerToken: providerToken)
        context.write(wrapOutboundOut(HTTP2Frame(streamID: streamID, payload: .headers(.init(headers: request.headers)))), promise: nil)
        context.write(
            wrapOutboundOut(HTTP2Frame(streamID: streamID, payload: .data(.init(data: .byteBuffer(request.body), endStream: true)))),
            promise: nil)
        unflushed = true
    }

    /// Flushes the requests written since the last flush.
    func flush() {
        guard unflushed, let context else { return }
        unflushed = false
        context.flush()
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
        switch event {
        case let closed as StreamClosedEvent:
            streamClosed(closed.streamID, reason: closed.reason)
        case TLSUserEvent.handshakeCompleted(let negotiated):
            handshakeCompleted(context: context, negotiated: negotiated)
        default:
            break
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.payload {
        case .headers(let headers):
            guard open[frame.streamID]?.received(headers) == true else { return }
            settle(frame.streamID)
        case .data(let data):
            guard open[frame.streamID]?.received(data) == true else { return }
            settle(frame.streamID)
        case .settings(.settings(let settings)):
            let limit = settings.last(where: { $0.parameter == .maxConcurrentStreams })?.value
            run(machine.settingsReceived(maxConcurrentStreams: limit))
        case .goAway(let lastStreamID, _, _):
            receivedGoAway = true
            run(machine.goAwayReceived(lastStreamID: Int(lastStreamID)))
        case .ping(_, ack: true):
            machine.pingAcknowledged()
        default:
            break
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A stream error ends one stream (NIOHTTP2 resets it and reports its close); the
        // connection goes on.
        if let streamError = error as? NIOHTTP2Errors.StreamError {
            open[streamError.streamID]?.failed(because: streamError.baseError)
            return
        }
        if firstError == nil { firstError = error }
        context.close(promise: nil)
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

    // MARK: Executing the machine's decisions

    private func handshakeCompleted(context: ChannelHandlerContext, negotiated: String?) {
        guard negotiated == "h2" else {
            firstError = HTTP2ProtocolError(
                "the gateway did not agree to HTTP/2 in the TLS handshake (ALPN gave \(negotiated ?? "nothing"))")
            context.close(promise: nil)
            return
        }
        ready = true
        let connection = NIOLoopBound(self, eventLoop: context.eventLoop)
        pingTimer = context.eventLoop.scheduleRepeatedTask(
            initialDelay: configuration.pingInterval, delay: configuration.pingInterval
        ) { _ in connection.value.run(connection.value.machine.pingTimerFired()) }
        if machine.connected() == .offerWork { delegate?.connectionBecameReady(self) }
    }

    /// The stream's response is complete.
    private func settle(_ streamID: HTTP2StreamID) {
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

    /// NIOHTTP2 closed the stream: after its response (already settled), or by a reset, a
    /// GOAWAY or an error (settled here).
    private func streamClosed(_ streamID: HTTP2StreamID, reason: HTTP2ErrorCode?) {
        guard let stream = open.removeValue(forKey: streamID) else { return }
        let refused = reason == .refusedStream
        let (end, action) = machine.streamFailed(streamID: Int(streamID), refused: refused)
        let why = stream.failure ?? reason.map { "the gateway reset the stream (\($0))" } ?? "the stream closed without a response"
        delegate?.connection(self, finished: stream.pending, end == .notProcessed ? .notProcessed(reason: why) : .lost(reason: why))
        run(action)
    }

    private func run(_ action: HTTP2ConnectionStateMachine.Action) {
        switch action {
        case .none:
            break
        case .offerWork:
            if room > 0 { delegate?.connectionHasRoom(self) }
        case .close:
            context?.close(promise: nil)
        case .sendPing:
            guard let context else { return }
            context.writeAndFlush(
                wrapOutboundOut(HTTP2Frame(streamID: .rootStream, payload: .ping(HTTP2PingData(withInteger: UInt64(generation)), ack: false))),
                promise: nil)
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
