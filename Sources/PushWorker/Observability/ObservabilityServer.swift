import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle

/// The HTTP/1.1 server behind `/metrics` and `/health`: a swift-service-lifecycle `Service`.
///
/// ``bind(host:port:responder:eventLoopGroup:logger:)`` opens the listening socket (port 0 picks
/// a free one; ``port`` tells which), so a taken port fails at start-up, before the process does
/// any work. ``run()`` then serves until graceful shutdown: it stops accepting, lets each
/// connection finish the request it is answering, and closes idle keep-alive connections.
/// Cancellation closes everything at once. A bound server that is never run keeps its socket open
/// until the process exits.
public struct ObservabilityServer: Service {
    typealias Connection = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>

    private let listener: NIOAsyncChannel<Connection, Never>
    private let responder: ObservabilityResponder
    private let logger: Logger

    /// The address the server listens on.
    public let localAddress: SocketAddress
    /// The TCP port the server listens on (the chosen one when bound with port 0).
    public var port: Int { localAddress.port ?? 0 }

    /// Binds `host:port`; throws when the address is taken or invalid.
    public static func bind(
        host: String, port: Int, responder: ObservabilityResponder,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger
    ) async throws -> ObservabilityServer {
        let listener = try await ServerBootstrap(group: eventLoopGroup)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    return try Connection(wrappingChannelSynchronously: channel)
                }
            }
        guard let address = listener.channel.localAddress else {
            listener.channel.close(promise: nil)
            throw ChannelError.unknownLocalAddress
        }
        return ObservabilityServer(listener: listener, responder: responder, logger: logger, localAddress: address)
    }

    /// Serves until graceful shutdown (or cancellation), then returns once every connection closed.
    public func run() async throws {
        logger.info("observability server listening", metadata: ["address": "\(localAddress)"])
        let listener = self.listener
        try await withGracefulShutdownHandler {
            try await listener.executeThenClose { inbound in
                try await withThrowingDiscardingTaskGroup { group in
                    for try await connection in inbound {
                        group.addTask { await serve(connection) }
                    }
                }
            }
        } onGracefulShutdown: {
            listener.channel.close(promise: nil)
        }
        logger.info("observability server stopped", metadata: ["address": "\(localAddress)"])
    }

    /// Answers the requests of one connection in order until the client closes it. On graceful
    /// shutdown the connection closes once its current answer is written (at once when idle).
    private func serve(_ connection: Connection) async {
        let channel = connection.channel
        do {
            try await withGracefulShutdownHandler {
                try await connection.executeThenClose { inbound, outbound in
                    var request: HTTPRequestHead?
                    for try await part in inbound {
                        switch part {
                        case .head(let head):
                            request = head
                        case .body:
                            continue
                        case .end:
                            guard let head = request else { continue }
                            request = nil
                            let response = await responder.respond(method: head.method, target: head.uri)
                            if !head.isKeepAlive {
                                // Close once this answer is written (the pipeline handler waits for it).
                                channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
                            }
                            try await Self.write(response, version: head.version, to: outbound)
                        }
                    }
                }
            } onGracefulShutdown: {
                channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
            }
        } catch {
            logger.debug("observability connection ended with an error", metadata: ["error": "\(error)"])
        }
    }

    private static func write(
        _ response: ObservabilityResponse, version: HTTPVersion, to outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>
    ) async throws {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Content-Length", value: String(response.body.count))
        headers.add(name: "Cache-Control", value: "no-store")
        for (name, value) in response.extraHeaders {
            headers.add(name: name, value: value)
        }
        let head = HTTPResponseHead(version: version, status: response.status, headers: headers)
        try await outbound.write(contentsOf: [
            .head(head), .body(.byteBuffer(ByteBuffer(bytes: response.body))), .end(nil),
        ])
    }
}
