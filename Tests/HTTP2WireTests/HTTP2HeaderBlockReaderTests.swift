import HTTP2Wire
import NIOCore
import NIOHPACK
import Testing

/// Header blocks assembled from HEADERS and CONTINUATION frames and decoded in order.
@Suite struct HTTP2HeaderBlockReaderTests {
    static func encoded(_ headers: HPACKHeaders, encoder: inout HPACKEncoder) -> ByteBuffer {
        var buffer = ByteBuffer()
        try! encoder.encode(headers: headers, to: &buffer)
        return buffer
    }

    @Test func aBlockSplitOverContinuationsIsDecodedOnceWhole() throws {
        var encoder = HPACKEncoder(allocator: ByteBufferAllocator())
        var block = Self.encoded([":status": "410", "apns-id": "x"], encoder: &encoder)
        let first = block.readSlice(length: 1)!
        let second = block.readSlice(length: 2)!
        var reader = HTTP2HeaderBlockReader()
        guard case .pending = try reader.read(.headers(streamID: 3, fragment: first, endStream: false, endHeaders: false)) else {
            Issue.record("expected pending"); return
        }
        guard case .pending = try reader.read(.continuation(streamID: 3, fragment: second, endHeaders: false)) else {
            Issue.record("expected pending"); return
        }
        guard case .block(let decoded) = try reader.read(.continuation(streamID: 3, fragment: block, endHeaders: true)) else {
            Issue.record("expected a block"); return
        }
        #expect(decoded.streamID == 3 && !decoded.endStream)
        #expect(decoded.headers.first(name: ":status") == "410" && decoded.headers.first(name: "apns-id") == "x")
        guard case .other = try reader.read(.ping(opaque: 1, ack: false)) else { Issue.record("expected other"); return }
    }

    @Test func theDynamicTableFollowsThePeerAcrossBlocks() throws {
        // The peer indexes a header in the first block and refers to it in the second: only a
        // reader that decoded the first (even for a stream it ignores) can read the second.
        var encoder = HPACKEncoder(allocator: ByteBufferAllocator())
        var reader = HTTP2HeaderBlockReader()
        let first = Self.encoded([":status": "200", "apns-id": "4f0e2b9a-6c11-4b3e-9a77-0d7e0e3d1a55"], encoder: &encoder)
        let second = Self.encoded([":status": "200", "apns-id": "4f0e2b9a-6c11-4b3e-9a77-0d7e0e3d1a55"], encoder: &encoder)
        #expect(second.readableBytes < first.readableBytes)
        _ = try reader.read(.headers(streamID: 1, fragment: first, endStream: true, endHeaders: true))
        guard case .block(let decoded) = try reader.read(.headers(streamID: 3, fragment: second, endStream: true, endHeaders: true)) else {
            Issue.record("expected a block"); return
        }
        #expect(decoded.headers.first(name: "apns-id") == "4f0e2b9a-6c11-4b3e-9a77-0d7e0e3d1a55")
    }

    @Test func interruptionsStrayContinuationsAndGarbageAreErrors() throws {
        var reader = HTTP2HeaderBlockReader()
        _ = try reader.read(.headers(streamID: 1, fragment: ByteBuffer(bytes: [0x88]), endStream: false, endHeaders: false))
        #expect(throws: HTTP2WireError.self) { try reader.read(.data(streamID: 1, payload: ByteBuffer(), endStream: true, flowControlledLength: 0)) }
        var other = HTTP2HeaderBlockReader()
        _ = try other.read(.headers(streamID: 1, fragment: ByteBuffer(bytes: [0x88]), endStream: false, endHeaders: false))
        #expect(throws: HTTP2WireError.self) { try other.read(.continuation(streamID: 3, fragment: ByteBuffer(), endHeaders: true)) }
        var fresh = HTTP2HeaderBlockReader()
        #expect(throws: HTTP2WireError.self) { try fresh.read(.continuation(streamID: 1, fragment: ByteBuffer(), endHeaders: true)) }
        var garbage = HTTP2HeaderBlockReader()
        do {
            _ = try garbage.read(.headers(streamID: 1, fragment: ByteBuffer(bytes: [0xFF, 0xFF, 0xFF, 0xFF]), endStream: true, endHeaders: true))
            Issue.record("garbage decoded")
        } catch {
            #expect(error.code == HTTP2Wire.ErrorCode.compressionError)
        }
    }
}
