import HTTP2Wire
import NIOCore
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

        // Clients may open many streams at once; a connection window of 4 MiB keeps them from
        // stalling on flow control.
        try context.pipeline.syncOperations.addHandlers(
            ByteToMessageHandler(HTTP2FrameDecoder(expectingClientPreface: true)),
            HTTP2PushFrameHandler(connection: connection, connectionWindowTarget: 4 * 1024 * 1024)
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
