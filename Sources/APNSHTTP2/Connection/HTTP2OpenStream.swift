import NIOCore
import NIOHPACK

/// One request on the wire: the notification it carries and what of the response has arrived.
/// A value; ``HTTP2ConnectionHandler`` keeps one per open stream.
struct HTTP2OpenStream: Sendable {
    let pending: PendingHTTP2Notification
    /// The provider token the request carried (token authentication).
    let providerToken: String?
    private var headers: HPACKHeaders?
    private var body: ByteBuffer?

    init(pending: PendingHTTP2Notification, providerToken: String?) {
        self.pending = pending
        self.providerToken = providerToken
    }

    /// Takes a decoded header block; `true` when it ended the stream.
    mutating func received(_ block: HPACKHeaders, endStream: Bool) -> Bool {
        // Informational (1xx) header blocks are not the response.
        if let status = block.first(name: ":status"), status.hasPrefix("1") { return endStream }
        if headers == nil { headers = block }
        return endStream
    }

    /// Takes body bytes; `true` when they ended the stream.
    mutating func received(_ bytes: ByteBuffer, endStream: Bool) -> Bool {
        var bytes = bytes
        if body == nil { body = bytes } else { body!.writeBuffer(&bytes) }
        return endStream
    }

    /// The response, once the stream ended with a valid `:status`.
    var response: HTTP2Response? {
        headers.flatMap { HTTP2Response(headers: $0, body: body) }
    }
}
