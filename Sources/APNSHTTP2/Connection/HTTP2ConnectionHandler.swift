import NIOCore
import NIOHTTP2
import NIOTLS

/// The I/O side of one HTTP/2 connection, after `NIOHTTP2Handler` in the pipeline: it sees the
/// connection-level frames (SETTINGS, GOAWAY, PING), opens one stream per notification through
/// the multiplexer, and executes the ``HTTP2ConnectionStateMachine``'s actions. All decisions are
/// the machine's; this class only turns NIO callbacks into events and actions into I/O.
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
    private var multiplexer: NIOHTTP2Handler.StreamMultiplexer?
    private var pingTimer: RepeatedTask?
    private var firstError: (any Error)?
    /// Set when the pool asked for the close (drain or pool failure).
    private(set) var closedByPool = false
    /// Set when the server sent GOAWAY.
    private(set) var receivedGoAway = false
    /// Notifications whose stream has not reported yet, by request number. The connection's
    /// close settles whatever is left here, so no notification depends on its stream's own
    /// close event arriving; a stream's report after that is ignored.
    private var inFlight: [UInt64: (pending: PendingHTTP2Notification, written: Bool)] = [:]
    private var nextRequest: UInt64 = 0

    init(slot: Int, generation: UInt64, configuration: Configuration, authentication: HTTP2Authentication) {
        self.slot = slot
        self.generation = generation
        self.configuration = configuration
        self.authentication = authentication
        self.machine = HTTP2ConnectionStateMachine(configuration: configuration.machine)
    }

    /// Streams that may be opened now.
    var room: Int { multiplexer == nil ? 0 : machine.room }

    /// Whether any request on this connection was answered.
    var answered: Bool { machine.answered }

    func attach(multiplexer: NIOHTTP2Handler.StreamMultiplexer) {
        self.multiplexer = multiplexer
    }

    // MARK: Pool calls (on the loop)

    /// Opens a stream for `pending`. Only call while ``room`` is positive.
    func send(_ pending: PendingHTTP2Notification) {
        guard let multiplexer, let context else { preconditionFailure("send before the connection was ready") }
        machine.streamOpened()
        let providerToken: String? = if case .token(let source) = authentication { source.currentToken() } else { nil }
        let request = HTTP2Request(
            notification: pending.notification, authority: configuration.authority, providerToken: providerToken)
        let number = nextRequest
        nextRequest += 1
        inFlight[number] = (pending, false)
        let connection = NIOLoopBound(self, eventLoop: context.eventLoop)
        multiplexer.createStreamChannel(promise: nil) { stream in
            stream.eventLoop.makeCompletedFuture {
                let handler = HTTP2StreamHandler(
                    request: request, written: { connection.value.inFlight[number]?.written = true },
                    report: { result in connection.value.streamEnded(number, result, providerToken: providerToken) })
                try stream.pipeline.syncOperations.addHandler(handler)
            }
        }
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
            guard negotiated == "h2" else {
                firstError = HTTP2ProtocolError(
                    "the gateway did not agree to HTTP/2 in the TLS handshake (ALPN gave \(negotiated ?? "nothing"))")
                context.close(promise: nil)
                return
            }
            let connection = NIOLoopBound(self, eventLoop: context.eventLoop)
            pingTimer = context.eventLoop.scheduleRepeatedTask(
                initialDelay: configuration.pingInterval, delay: configuration.pingInterval
            ) { _ in connection.value.run(connection.value.machine.pingTimerFired()) }
            if machine.connected() == .offerWork { delegate?.connectionBecameReady(self) }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.payload {
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
        if firstError == nil { firstError = error }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        pingTimer?.cancel()
        pingTimer = nil
        // Streams that did not report by now never will be answered. One whose request was written
        // may have been processed by APNs; one never written was not.
        for number in inFlight.keys.sorted() {
            let (pending, written) = inFlight.removeValue(forKey: number)!
            _ = machine.streamFailed(streamID: written ? Int(Int32.max) : nil, refused: false)
            let reason = "the connection closed before the stream was answered"
            delegate?.connection(self, finished: pending, written ? .lost(reason: reason) : .notProcessed(reason: reason))
        }
        machine.channelClosed()
        delegate?.connectionClosed(self, error: firstError)
        context.fireChannelInactive()
    }

    // MARK: Executing the machine's decisions

    private func streamEnded(_ number: UInt64, _ result: StreamResult, providerToken: String?) {
        guard let (pending, _) = inFlight.removeValue(forKey: number) else { return }
        switch result {
        case .response(let response):
            let action = machine.responseReceived()
            delegate?.connection(self, finished: pending, .answered(response, providerToken: providerToken))
            run(action)
        case .failed(let streamID, let refused, let reason):
            let (end, action) = machine.streamFailed(streamID: streamID, refused: refused)
            delegate?.connection(self, finished: pending, end == .notProcessed ? .notProcessed(reason: reason) : .lost(reason: reason))
            run(action)
        }
    }

    private func run(_ action: HTTP2ConnectionStateMachine.Action) {
        switch action {
        case .none:
            break
        case .offerWork:
            if multiplexer != nil, machine.room > 0 { delegate?.connectionHasRoom(self) }
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
