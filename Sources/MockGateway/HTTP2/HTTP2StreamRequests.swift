import NIOCore
import NIOHPACK

/// The requests in flight on one HTTP/2 connection, keyed by stream, as a pure value: frames
/// go in, a complete `PushRequest` comes out when a stream's request ends. A stream stays
/// known until it is answered or closes, so a delayed response can tell whether the client
/// still waits for it.
struct HTTP2StreamRequests {
    private enum Stream {
        /// The header block and the body so far.
        case receiving(headers: HPACKHeaders, body: ByteBuffer, bodyLength: Int)
        /// The request ended; its response is being judged or waits out the latency.
        case awaitingResponse
    }

    private var streams: [UInt32: Stream] = [:]

    init() {
        streams.reserveCapacity(256)
    }

    /// A header block arrived on `streamID`. A second block is a trailer (APNs requests have
    /// none), so it only ends the stream.
    mutating func receivedHeaders(_ headers: HPACKHeaders, endStream: Bool, on streamID: UInt32) -> PushRequest? {
        switch streams[streamID] {
        case .receiving(let first, let body, let bodyLength):
            return endStream ? complete(streamID, headers: first, body: body, bodyLength: bodyLength) : nil
        case .awaitingResponse:
            return nil
        case nil:
            if endStream { return complete(streamID, headers: headers, body: ByteBuffer(), bodyLength: 0) }
            streams[streamID] = .receiving(headers: headers, body: ByteBuffer(), bodyLength: 0)
            return nil
        }
    }

    /// Body bytes arrived on `streamID`. The body is kept up to
    /// `PushRequestRules.largestBufferedBody`; its length counts every byte.
    mutating func receivedData(_ bytes: ByteBuffer, endStream: Bool, on streamID: UInt32) -> PushRequest? {
        // DATA on a stream without a request (never opened, refused, answered or reset) is ignored.
        guard case .receiving(let headers, var body, var bodyLength)? = streams[streamID] else { return nil }
        bodyLength += bytes.readableBytes
        if body.readableBytes == 0 {
            // The usual case, the whole body in one DATA frame: kept without a copy.
            body = bytes
        } else if body.readableBytes < PushRequestRules.largestBufferedBody {
            var bytes = bytes
            body.writeBuffer(&bytes)
        }
        if endStream { return complete(streamID, headers: headers, body: body, bodyLength: bodyLength) }
        streams[streamID] = .receiving(headers: headers, body: body, bodyLength: bodyLength)
        return nil
    }

    /// Whether `streamID` has a request in progress or awaiting its response.
    func isKnown(_ streamID: UInt32) -> Bool {
        streams[streamID] != nil
    }

    /// Whether the request on `streamID` ended and its response was not written yet.
    func awaitsResponse(_ streamID: UInt32) -> Bool {
        if case .awaitingResponse? = streams[streamID] { return true }
        return false
    }

    /// The stream's response is written now, or never (GOAWAY excluded the stream); or the
    /// stream closed (answered, or reset by the client), dropping its partial request and any
    /// pending response.
    mutating func forget(_ streamID: UInt32) {
        streams[streamID] = nil
    }

    private mutating func complete(
        _ streamID: UInt32, headers: HPACKHeaders, body: ByteBuffer, bodyLength: Int
    ) -> PushRequest {
        streams[streamID] = .awaitingResponse
        return PushRequest(headers: headers, body: body, bodyLength: bodyLength)
    }
}
