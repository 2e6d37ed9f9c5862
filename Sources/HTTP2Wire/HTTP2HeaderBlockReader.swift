import NIOCore
import NIOHPACK

/// Header blocks as HTTP/2 carries them: a HEADERS frame, then CONTINUATION frames on the same
/// stream with no other frame in between until END_HEADERS. Each complete block is decoded, in
/// order, with the connection's one HPACK decoder — every block, also one for a stream the reader
/// no longer cares about, so the decoder's dynamic table follows the peer's encoder.
public struct HTTP2HeaderBlockReader {
    /// A complete, decoded header block.
    public struct Block {
        public var streamID: UInt32
        public var headers: HPACKHeaders
        public var endStream: Bool
    }

    /// What a frame meant for header blocks.
    public enum Reading {
        /// The frame completed a block.
        case block(Block)
        /// The frame began or continued a block that is not complete yet.
        case pending
        /// The frame is not part of a header block: the caller handles it.
        case other
    }

    private var decoder = HPACKDecoder(allocator: ByteBufferAllocator())
    private var partial: (streamID: UInt32, fragment: ByteBuffer, endStream: Bool)?

    public init() {}

    /// Takes the connection's next frame.
    ///
    /// - Throws: ``HTTP2WireError`` when a block is interrupted by another frame, a CONTINUATION
    ///   comes without a block, or a block does not decode (COMPRESSION_ERROR).
    public mutating func read(_ frame: HTTP2InboundFrame) throws(HTTP2WireError) -> Reading {
        if let partial {
            guard case .continuation(partial.streamID, var fragment, let endHeaders) = frame else {
                throw HTTP2WireError("a header block on stream \(partial.streamID) was interrupted", code: HTTP2Wire.ErrorCode.protocolError)
            }
            var block = partial.fragment
            block.writeBuffer(&fragment)
            self.partial = nil
            return try self.fragment(block, streamID: partial.streamID, endStream: partial.endStream, complete: endHeaders)
        }
        switch frame {
        case .headers(let streamID, let fragment, let endStream, let endHeaders):
            return try self.fragment(fragment, streamID: streamID, endStream: endStream, complete: endHeaders)
        case .continuation(let streamID, _, _):
            throw HTTP2WireError("CONTINUATION on stream \(streamID) without a header block", code: HTTP2Wire.ErrorCode.protocolError)
        default:
            return .other
        }
    }

    private mutating func fragment(_ fragment: ByteBuffer, streamID: UInt32, endStream: Bool, complete: Bool) throws(HTTP2WireError) -> Reading {
        guard complete else {
            partial = (streamID, fragment, endStream)
            return .pending
        }
        var fragment = fragment
        do {
            return .block(Block(streamID: streamID, headers: try decoder.decodeHeaders(from: &fragment), endStream: endStream))
        } catch {
            throw HTTP2WireError("a header block on stream \(streamID) did not decode: \(error)", code: HTTP2Wire.ErrorCode.compressionError)
        }
    }
}
