import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS

/// Reads the feedback service: connects with the gateway's TLS identity, sends nothing, and
/// collects tuples until the server closes the stream or nothing arrives for
/// ``Configuration/idleTimeout`` once the TLS handshake is done (a slow handshake is not mistaken
/// for an empty list; it must finish within ``Configuration/connectTimeout`` or the fetch fails).
///
/// The service forgets what it sent once it is read, so tuples read before a problem are never
/// thrown away: a stream that ends inside a tuple is returned as ``FeedbackReport/truncation``
/// beside the complete tuples. Connection and TLS failures throw.
public struct FeedbackClient: Sendable {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        /// The name the service's certificate must carry; defaults to `host`.
        public var serverHostname: String?
        /// Bounds the TCP connect and, separately, the TLS handshake.
        public var connectTimeout: TimeAmount
        /// The read stays open this long after the handshake or the last byte (pushy used 1 s).
        public var idleTimeout: TimeAmount

        public init(
            host: String, port: Int, serverHostname: String? = nil, connectTimeout: TimeAmount = .seconds(10),
            idleTimeout: TimeAmount = .seconds(1)
        ) {
            self.host = host
            self.port = port
            self.serverHostname = serverHostname
            self.connectTimeout = connectTimeout
            self.idleTimeout = idleTimeout
        }
    }

    public let configuration: Configuration
    private let tlsContext: NIOSSLContext
    private let group: any EventLoopGroup

    public init(configuration: Configuration, tlsContext: NIOSSLContext, eventLoopGroup: any EventLoopGroup) {
        self.configuration = configuration
        self.tlsContext = tlsContext
        self.group = eventLoopGroup
    }

    /// Connects, reads everything the service has, and returns it.
    public func fetch() async throws -> FeedbackReport {
        let loop = group.next()
        let promise = loop.makePromise(of: FeedbackReport.self)
        let configuration = self.configuration
        let tlsContext = self.tlsContext
        do {
            _ = try await ClientBootstrap(group: loop)
                .connectTimeout(configuration.connectTimeout)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandlers(
                            NIOSSLClientHandler(
                                context: tlsContext,
                                serverHostname: GatewayTLS.serverName(host: configuration.host, serverHostname: configuration.serverHostname)),
                            ByteToMessageHandler(FeedbackTupleDecoder()),
                            FeedbackCollector(
                                promise: promise, idleTimeout: configuration.idleTimeout,
                                handshakeTimeout: configuration.connectTimeout))
                    }
                }
                .connect(host: configuration.host, port: configuration.port)
                .get()
        } catch {
            promise.fail(error)
        }
        return try await promise.futureResult.get()
    }
}

/// What one read of the feedback service returned.
public struct FeedbackReport: Sendable, Hashable {
    /// Complete tuples, in the order the service sent them.
    public var tuples: [FeedbackTuple]
    /// Set when the stream ended inside a tuple; carries the leftover bytes.
    public var truncation: GatewayProtocolError?

    public init(tuples: [FeedbackTuple], truncation: GatewayProtocolError? = nil) {
        self.tuples = tuples
        self.truncation = truncation
    }
}

/// Collects tuples and completes the fetch when the channel closes. The idle timer starts only
/// once the TLS handshake has completed; until then a deadline bounds the handshake.
final class FeedbackCollector: ChannelInboundHandler {
    typealias InboundIn = FeedbackTuple

    private let promise: EventLoopPromise<FeedbackReport>
    private let idleTimeout: TimeAmount
    private let handshakeTimeout: TimeAmount
    private var handshakeDeadline: Scheduled<Void>?
    private var report = FeedbackReport(tuples: [])
    private var failure: (any Error)?

    init(promise: EventLoopPromise<FeedbackReport>, idleTimeout: TimeAmount, handshakeTimeout: TimeAmount) {
        self.promise = promise
        self.idleTimeout = idleTimeout
        self.handshakeTimeout = handshakeTimeout
    }

    func channelActive(context: ChannelHandlerContext) {
        let channel = context.channel
        let timeout = handshakeTimeout
        handshakeDeadline = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
            if failure == nil { failure = ChannelError.connectTimeout(timeout) }
            channel.close(promise: nil)
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        report.tuples.append(unwrapInboundIn(data))
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent {
            handshakeDeadline?.cancel()
            handshakeDeadline = nil
            // First in the pipeline, so every encrypted byte that arrives resets the timer.
            try? context.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: idleTimeout), position: .first)
        }
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            context.close(promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let protocolError = error as? GatewayProtocolError, protocolError.code == .truncatedFeedbackTuple {
            report.truncation = protocolError
        } else if let tlsError = error as? NIOSSLError, case .uncleanShutdown = tlsError {
            // The service may close TCP without a TLS close_notify; the stream is over either way.
        } else if failure == nil {
            failure = error
        }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        handshakeDeadline?.cancel()
        if let failure {
            promise.fail(failure)
        } else {
            promise.succeed(report)
        }
        context.fireChannelInactive()
    }
}

@available(*, unavailable)
extension FeedbackCollector: Sendable {}
