import NIOCore
import NIOPosix
import NIOSSL

extension MockGateway {
    /// Binds the HTTP/2 provider API: TLS with ALPN `h2` (client certificates as the
    /// authentication mode says), then `HTTP2ConnectionSetupHandler`.
    static func bindHTTP2(
        _ http2: HTTP2GatewayConfiguration,
        configuration: MockGatewayConfiguration,
        recorder: GatewayRecorder,
        group: any EventLoopGroup
    ) async throws -> any Channel {
        let gateway = HTTP2GatewayContext(
            recorder: recorder, configuration: http2, binaryFaults: configuration.faults,
            tracksDuplicates: configuration.tracksDuplicates)
        let context = try configuration.tls.makeContext(
            clientCertificates: http2.authentication.certificateVerification,
            applicationProtocols: ["h2"]
        )
        return try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard let number = recorder.admit(channel) else {
                        throw ConnectionLimitReached()
                    }
                    channel.closeFuture.whenComplete { _ in recorder.connectionClosed(channel) }
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(NIOSSLServerHandler(context: context))
                    try pipeline.addHandler(HTTP2ConnectionSetupHandler(number: number, gateway: gateway))
                }
            }
            .bind(host: configuration.host, port: http2.port)
            .get()
    }
}

/// What every HTTP/2 connection of one gateway shares.
struct HTTP2GatewayContext: Sendable {
    let recorder: GatewayRecorder
    let configuration: HTTP2GatewayConfiguration
    /// The binary side's plan: its seed and invalid-token list apply to HTTP/2 too.
    let binaryFaults: FaultPlan
    let tracksDuplicates: Bool
}
