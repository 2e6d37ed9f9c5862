import NIOCore
import NIOHPACK
import NIOHTTP2

/// How one request's stream ended, as the stream saw it.
enum StreamResult: Sendable {
    /// The complete response arrived.
    case response(HTTP2Response)
    /// The stream ended without a complete response. `streamID` is `nil` when the stream never got
    /// an id (nothing reached the server); `refused` when the server reset it with REFUSED_STREAM.
    case failed(streamID: Int?, refused: Bool, reason: String)
}

/// The handler of one request's stream: writes the request's HEADERS and DATA (end of stream)
/// once the stream is active, collects the response, and reports exactly once how the stream
/// ended. Runs on the connection's loop, as a child of its channel.
final class HTTP2StreamHandler: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias OutboundOut = HTTP2Frame.FramePayload

    private let request: HTTP2Request
    private let written: () -> Void
    private let report: (StreamResult) -> Void
    private var responseHeaders: HPACKHeaders?
    private var body: ByteBuffer?
    private var error: (any Error)?
    private var reported = false

    /// - Parameters:
    ///   - written: called once the request was handed to the connection (it may reach APNs).
    ///   - report: called exactly once with how the stream ended.
    init(request: HTTP2Request, written: @escaping () -> Void, report: @escaping (StreamResult) -> Void) {
        self.request = request
        self.written = written
        self.report = report
    }

    func channelActive(context: ChannelHandlerContext) {
        context.write(wrapOutboundOut(.headers(.init(headers: request.headers))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.data(.init(data: .byteBuffer(request.body), endStream: true))), promise: nil)
        written()
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .headers(let headers):
            // Informational (1xx) header blocks are not the response.
            if let status = headers.headers.first(name: ":status"), status.hasPrefix("1") { break }
            if responseHeaders == nil { responseHeaders = headers.headers }
            if headers.endStream { finish(context: context) }
        case .data(let data):
            if case .byteBuffer(var bytes) = data.data {
                if body == nil { body = bytes } else { body!.writeBuffer(&bytes) }
            }
            if data.endStream { finish(context: context) }
        default:
            break
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if self.error == nil { self.error = error }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !reported {
            reported = true
            let streamID = (try? context.channel.syncOptions?.getOption(HTTP2StreamChannelOptions.streamID)).map { Int($0) }
            var refused = false
            if let closed = error as? NIOHTTP2Errors.StreamClosed, closed.errorCode == .refusedStream { refused = true }
            let reason = error.map { "\($0)" } ?? "the stream closed without a response"
            report(.failed(streamID: streamID, refused: refused, reason: reason))
        }
        context.fireChannelInactive()
    }

    private func finish(context: ChannelHandlerContext) {
        guard !reported else { return }
        reported = true
        if let headers = responseHeaders, let response = HTTP2Response(headers: headers, body: body) {
            report(.response(response))
        } else {
            let streamID = (try? context.channel.syncOptions?.getOption(HTTP2StreamChannelOptions.streamID)).map { Int($0) }
            report(.failed(streamID: streamID, refused: false, reason: "the response had no valid :status"))
        }
    }
}

@available(*, unavailable)
extension HTTP2StreamHandler: Sendable {}
