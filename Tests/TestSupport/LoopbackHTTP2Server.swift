import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHPACK
import NIOHTTP2
import NIOPosix
import NIOSSL

/// A small APNs-shaped HTTP/2 server over TLS (ALPN h2) for loopback tests of the HTTP/2 client,
/// until the product's mock gateway speaks HTTP/2. Each request is answered by `respond`;
/// connection-level faults (a new stream limit, GOAWAY) are scripted per request.
public final class LoopbackHTTP2Server: Sendable {
    /// One request as the server saw it.
    public struct Request: Sendable {
        public var headers: HPACKHeaders
        public var body: ByteBuffer
        /// Requests answered before this one, over all connections.
        public var sequence: Int
        /// The device token of `:path`, as hex.
        public var tokenHex: String { String(headers.first(name: ":path")?.split(separator: "/").last ?? "") }
    }

    /// What to do with a request.
    public enum Reply: Sendable {
        case status(Int, body: String? = nil)
        /// Answer, then send GOAWAY naming this request's stream as the last one processed.
        case statusThenGoAway(Int)
        /// Answer, then announce a new SETTINGS_MAX_CONCURRENT_STREAMS.
        case statusThenStreamLimit(Int, limit: Int)
    }

    public struct Counters: Sendable {
        public var requests = 0
        public var connections = 0
        /// Streams above a GOAWAY's last-stream-id, reset unanswered.
        public var refused = 0
        /// The most streams open at once on one connection.
        public var maximumConcurrentStreams = 0
    }

    let channel: any Channel
    public let port: Int
    private let counters: NIOLockedValueBox<Counters>

    public var statistics: Counters { counters.withLockedValue { $0 } }

    /// - Parameters:
    ///   - requireClientCertificate: mutual TLS (certificate authentication) or not (token).
    ///   - streamLimit: the SETTINGS_MAX_CONCURRENT_STREAMS each connection announces.
    public init(
        pki: TestPKI, requireClientCertificate: Bool, streamLimit: Int = 100, group: any EventLoopGroup,
        respond: @escaping @Sendable (Request) -> Reply
    ) async throws {
        let tls = try pki.serverTLS()
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: tls.certificateChain.map { .certificate($0) }, privateKey: .privateKey(tls.privateKey))
        if requireClientCertificate {
            configuration.trustRoots = .certificates(tls.clientCertificateAuthorities)
            configuration.certificateVerification = .noHostnameVerification
        }
        configuration.applicationProtocols = ["h2"]
        let context = try NIOSSLContext(configuration: configuration)
        let counters = NIOLockedValueBox(Counters())
        self.counters = counters
        channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                counters.withLockedValue { $0.connections += 1 }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
                    let connection = ConnectionState()
                    var settings = NIOHTTP2Handler.ConnectionConfiguration()
                    settings.initialSettings = [
                        HTTP2Setting(parameter: .maxConcurrentStreams, value: streamLimit),
                        HTTP2Setting(parameter: .maxHeaderListSize, value: 16_384),
                    ]
                    let http2 = NIOHTTP2Handler(
                        mode: .server, eventLoop: channel.eventLoop, connectionConfiguration: settings
                    ) { stream in
                        stream.eventLoop.makeCompletedFuture {
                            try stream.pipeline.syncOperations.addHandler(
                                StreamResponder(connection: connection, counters: counters, respond: respond))
                        }
                    }
                    try channel.pipeline.syncOperations.addHandler(http2)
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        port = channel.localAddress!.port!
    }

    public func close() async {
        try? await channel.close()
    }

    /// What the streams of one connection share; only touched on that connection's loop.
    final class ConnectionState: @unchecked Sendable {
        var openStreams = 0
        /// Set once GOAWAY was sent: streams above it are refused.
        var goAwayLastStreamID: Int?
    }

    /// Collects one request and answers it.
    final class StreamResponder: ChannelInboundHandler {
        typealias InboundIn = HTTP2Frame.FramePayload
        typealias OutboundOut = HTTP2Frame.FramePayload

        let connection: ConnectionState
        let counters: NIOLockedValueBox<Counters>
        let respond: @Sendable (Request) -> Reply
        var headers = HPACKHeaders()
        var body = ByteBuffer()

        init(connection: ConnectionState, counters: NIOLockedValueBox<Counters>, respond: @escaping @Sendable (Request) -> Reply) {
            self.connection = connection
            self.counters = counters
            self.respond = respond
        }

        func handlerAdded(context: ChannelHandlerContext) {
            connection.openStreams += 1
            let open = connection.openStreams
            counters.withLockedValue { $0.maximumConcurrentStreams = max($0.maximumConcurrentStreams, open) }
        }

        func handlerRemoved(context: ChannelHandlerContext) {
            connection.openStreams -= 1
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var ended = false
            switch unwrapInboundIn(data) {
            case .headers(let frame):
                headers = frame.headers
                ended = frame.endStream
            case .data(let frame):
                if case .byteBuffer(var bytes) = frame.data { body.writeBuffer(&bytes) }
                ended = frame.endStream
            default:
                break
            }
            if ended { answer(context: context) }
        }

        private func answer(context: ChannelHandlerContext) {
            let streamID = (try? context.channel.syncOptions?.getOption(HTTP2StreamChannelOptions.streamID)).map { Int($0) } ?? 0
            if let last = connection.goAwayLastStreamID, streamID > last {
                counters.withLockedValue { $0.refused += 1 }
                context.close(promise: nil)
                return
            }
            let sequence = counters.withLockedValue { counters in
                defer { counters.requests += 1 }
                return counters.requests
            }
            let reply = respond(Request(headers: headers, body: body, sequence: sequence))
            let status: Int
            var replyBody: String?
            switch reply {
            case .status(let code, let text): (status, replyBody) = (code, text)
            case .statusThenGoAway(let code), .statusThenStreamLimit(let code, _): status = code
            }
            var responseHeaders = HPACKHeaders([(":status", "\(status)")])
            responseHeaders.add(name: "apns-id", value: UUID().uuidString)
            context.write(wrapOutboundOut(.headers(.init(headers: responseHeaders, endStream: replyBody == nil))), promise: nil)
            if let replyBody {
                context.write(wrapOutboundOut(.data(.init(data: .byteBuffer(ByteBuffer(string: replyBody)), endStream: true))), promise: nil)
            }
            context.flush()
            let parent = context.channel.parent!
            switch reply {
            case .statusThenGoAway:
                connection.goAwayLastStreamID = streamID
                parent.writeAndFlush(
                    HTTP2Frame(streamID: .rootStream, payload: .goAway(lastStreamID: HTTP2StreamID(streamID), errorCode: .noError, opaqueData: nil)),
                    promise: nil)
            case .statusThenStreamLimit(_, let limit):
                parent.writeAndFlush(
                    HTTP2Frame(streamID: .rootStream, payload: .settings(.settings([HTTP2Setting(parameter: .maxConcurrentStreams, value: limit)]))),
                    promise: nil)
            case .status:
                break
            }
        }
    }
}
