import NIOCore
import NIOHPACK
import NIOHTTP2
import NIOSSL
import NIOTLS

/// Sits between TLS and HTTP/2 on a gateway connection. When the handshake completes it
/// refuses clients that did not negotiate `h2` by ALPN, decides the connection's credential
/// (client certificate or provider tokens) and installs the HTTP/2 handler with the fault
/// plan's first stream limit. Afterwards it hands the connection's tally to the recorder before
/// every flush passes it on its way to TLS, so a client that sees a response (or a GOAWAY) finds
/// the gateway's counters and ledger already updated — one hand-over per flush, not per request.
final class HTTP2ConnectionSetupHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let number: UInt64
    private let gateway: HTTP2GatewayContext
    private var connection: HTTP2GatewayConnection?
    private var handshakeCompleted = false

    init(number: UInt64, gateway: HTTP2GatewayContext) {
        self.number = number
        self.gateway = gateway
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard case .handshakeCompleted(let negotiatedProtocol) = event as? TLSUserEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        handshakeCompleted = true
        guard negotiatedProtocol == "h2" else {
            // APNs speaks HTTP/2 only.
            gateway.recorder.handshakeFailed()
            context.close(promise: nil)
            return
        }
        do {
            try installHTTP2(context: context)
        } catch {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func installHTTP2(context: ChannelHandlerContext) throws {
        let peer = try? context.pipeline.syncOperations.nioSSL_peerCertificate()
        let connection = HTTP2GatewayConnection(
            number: number, credential: ConnectionCredential.of(peer: peer), channel: context.channel, gateway: gateway)
        self.connection = connection

        var connectionConfiguration = NIOHTTP2Handler.ConnectionConfiguration()
        connectionConfiguration.initialSettings = [
            HTTP2Setting(parameter: .maxConcurrentStreams, value: connection.initialStreamLimit),
            HTTP2Setting(parameter: .maxHeaderListSize, value: HPACKDecoder.defaultMaxHeaderListSize),
        ]
        // Clients may open many streams at once; one connection-level window per stream's worth
        // of payloads keeps them from stalling on flow control.
        connectionConfiguration.targetWindowSize = 4 * 1024 * 1024
        let streamConfiguration = NIOHTTP2Handler.StreamConfiguration()
        try context.pipeline.syncOperations.addHandlers(
            NIOHTTP2Handler(
                mode: .server, connectionConfiguration: connectionConfiguration, streamConfiguration: streamConfiguration),
            HTTP2PushFrameHandler(
                connection: connection,
                connectionWindowTarget: connectionConfiguration.targetWindowSize,
                streamWindowTarget: streamConfiguration.targetWindowSize)
        )
    }

    func flush(context: ChannelHandlerContext) {
        connection?.handOverTally()
        context.flush()
    }

    func channelInactive(context: ChannelHandlerContext) {
        connection?.handOverTally()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !handshakeCompleted {
            gateway.recorder.handshakeFailed()
            handshakeCompleted = true
        }
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension HTTP2ConnectionSetupHandler: Sendable {}
