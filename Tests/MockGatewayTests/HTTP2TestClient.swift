import Foundation
import MockGateway
import NIOConcurrencyHelpers
import NIOCore
import NIOHPACK
import NIOHTTP2
import NIOPosix
import NIOSSL
import TestSupport

/// An HTTP/2 client over TLS with ALPN `h2`, built on NIOHTTP2 directly (not on the product's
/// client), that also records what the server said on the connection itself: each SETTINGS
/// `SETTINGS_MAX_CONCURRENT_STREAMS` and each GOAWAY.
final class HTTP2TestClient: Sendable {
    struct Response: Sendable {
        var status: Int?
        var apnsID: String?
        var body: String
        /// The error that ended the stream before a response, if any (e.g. excluded by GOAWAY).
        var error: String?

        /// `reason` of the JSON body.
        var reason: String? { json?["reason"] as? String }
        /// `timestamp` of the JSON body.
        var timestamp: Int64? { (json?["timestamp"] as? NSNumber)?.int64Value }

        private var json: [String: Any]? {
            (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any]
        }
    }

    struct GoAway: Sendable, Hashable {
        var lastStreamID: Int
        var errorCode: HTTP2ErrorCode
        var reason: String
    }

    /// What arrived on the root stream, in order.
    struct ConnectionEvents: Sendable {
        var streamLimits: [Int] = []
        var goAways: [GoAway] = []
    }

    let channel: any Channel
    private let multiplexer: NIOHTTP2Handler.AsyncStreamMultiplexer<Void>
    private let recorded: NIOLockedValueBox<ConnectionEvents>

    private init(channel: any Channel, multiplexer: NIOHTTP2Handler.AsyncStreamMultiplexer<Void>, recorded: NIOLockedValueBox<ConnectionEvents>) {
        self.channel = channel
        self.multiplexer = multiplexer
        self.recorded = recorded
    }

    /// A client context trusting `pki`'s CA, offering ALPN `h2`, presenting `identity` if given.
    static func context(_ pki: TestPKI, presenting identity: IssuedIdentity?, alpn: [String] = ["h2"]) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        let authority = try NIOSSLCertificate(bytes: Array(pki.pki.authority.certificate.serializeAsPEM().pemString.utf8), format: .pem)
        configuration.trustRoots = .certificates([authority])
        configuration.applicationProtocols = alpn
        if let identity {
            configuration.certificateChain = [.certificate(try identity.nioCertificate())]
            configuration.privateKey = .privateKey(try identity.nioPrivateKey())
        }
        return try NIOSSLContext(configuration: configuration)
    }

    static func connect(port: Int, context: NIOSSLContext) async throws -> HTTP2TestClient {
        let recorded = NIOLockedValueBox(ConnectionEvents())
        let (channel, multiplexer) = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(try NIOSSLClientHandler(context: context, serverHostname: "localhost"))
                    let multiplexer = try pipeline.configureAsyncHTTP2Pipeline(mode: .client) { stream in
                        stream.eventLoop.makeSucceededVoidFuture()
                    }
                    try pipeline.addHandler(RootStreamRecorder(recorded: recorded))
                    return (channel, multiplexer)
                }
            }
        return HTTP2TestClient(channel: channel, multiplexer: multiplexer, recorded: recorded)
    }

    var events: ConnectionEvents {
        recorded.withLockedValue { $0 }
    }

    /// Sends one request and waits for its response.
    func send(
        token: String = String(repeating: "ab", count: 32),
        headers extra: [(String, String)] = [("apns-topic", "com.example.pushworker")],
        method: String = "POST",
        path: String? = nil,
        body: String? = #"{"aps":{"alert":"hi"}}"#
    ) async throws -> Response {
        var headers = HPACKHeaders()
        headers.add(name: ":method", value: method)
        headers.add(name: ":scheme", value: "https")
        headers.add(name: ":authority", value: "localhost")
        headers.add(name: ":path", value: path ?? "/3/device/\(token)")
        for (name, value) in extra { headers.add(name: name, value: value) }
        let stream = try await multiplexer.openStream { channel in
            channel.eventLoop.makeCompletedFuture {
                try NIOAsyncChannel<HTTP2Frame.FramePayload, HTTP2Frame.FramePayload>(wrappingChannelSynchronously: channel)
            }
        }
        return try await stream.executeThenClose { inbound, outbound in
            var response = Response(status: nil, apnsID: nil, body: "", error: nil)
            do {
                try await outbound.write(.headers(.init(headers: headers, endStream: body == nil)))
                if let body {
                    try await outbound.write(.data(.init(data: .byteBuffer(ByteBuffer(string: body)), endStream: true)))
                }
                for try await payload in inbound {
                    switch payload {
                    case .headers(let frame):
                        response.status = frame.headers.first(name: ":status").flatMap { Int($0) }
                        response.apnsID = frame.headers.first(name: "apns-id")
                        if frame.endStream { return response }
                    case .data(let frame):
                        if case .byteBuffer(let bytes) = frame.data { response.body += String(buffer: bytes) }
                        if frame.endStream { return response }
                    default:
                        break
                    }
                }
            } catch {
                response.error = String(describing: error)
            }
            return response
        }
    }

    func close() async {
        try? await channel.close()
    }
}

/// Records SETTINGS and GOAWAY frames, which the HTTP/2 handler passes down the pipeline.
private final class RootStreamRecorder: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame

    private let recorded: NIOLockedValueBox<HTTP2TestClient.ConnectionEvents>

    init(recorded: NIOLockedValueBox<HTTP2TestClient.ConnectionEvents>) {
        self.recorded = recorded
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.payload {
        case .settings(.settings(let settings)):
            for setting in settings where setting.parameter == .maxConcurrentStreams {
                recorded.withLockedValue { $0.streamLimits.append(setting.value) }
            }
        case .goAway(let lastStreamID, let errorCode, let opaqueData):
            let goAway = HTTP2TestClient.GoAway(
                lastStreamID: Int(lastStreamID), errorCode: errorCode, reason: opaqueData.map { String(buffer: $0) } ?? "")
            recorded.withLockedValue { $0.goAways.append(goAway) }
        default:
            break
        }
        context.fireChannelRead(data)
    }
}
