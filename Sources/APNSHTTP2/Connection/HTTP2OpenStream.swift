import NIOCore
import NIOHPACK
import NIOHTTP2

/// One request on the wire: the notification it carries and what of the response has arrived.
/// A value; ``HTTP2ConnectionHandler`` keeps one per open stream.
struct HTTP2OpenStream: Sendable {
    let pending: PendingHTTP2Notification
    /// The provider token the request carried (token authentication).
    let providerToken: String?
    private var headers: HPACKHeaders?
    private var body: ByteBuffer?
    /// Why the stream failed, when NIOHTTP2 reported a stream error for it.
    private(set) var failure: String?

    init(pending: PendingHTTP2Notification, providerToken: String?) {
        self.pending = pending
        self.providerToken = providerToken
    }

    /// Takes a header block; `true` when it ended the stream.
    mutating func received(_ frame: HTTP2Frame.FramePayload.Headers) -> Bool {
        // Informational (1xx) header blocks are not the response.
        if let status = frame.headers.first(name: ":status"), status.hasPrefix("1") { return false }
        if headers == nil { headers = frame.headers }
        return frame.endStream
    }

    /// Takes body bytes; `true` when they ended the stream.
    mutating func received(_ frame: HTTP2Frame.FramePayload.Data) -> Bool {
        if case .byteBuffer(var bytes) = frame.data {
            if body == nil { body = bytes } else { body!.writeBuffer(&bytes) }
        }
        return frame.endStream
    }

    mutating func failed(because error: any Error) {
        if failure == nil { failure = String(describing: error) }
    }

    /// The response, once the stream ended with a valid `:status`.
    var response: HTTP2Response? {
        headers.flatMap { HTTP2Response(headers: $0, body: body) }
    }
}
