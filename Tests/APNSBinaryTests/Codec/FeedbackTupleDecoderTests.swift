import APNSBinary
import NIOCore
import NIOEmbedded
import NIOTestUtils
import Testing

@Suite struct FeedbackTupleDecoderTests {
    static func tuple(_ timestamp: UInt32, _ token: [UInt8]) -> FeedbackTuple {
        FeedbackTuple(timestamp: timestamp, deviceToken: ByteBuffer(bytes: token))
    }

    @Test func decodesTuplesOfAnyTokenLength() throws {
        let token32 = [UInt8](repeating: 0xAB, count: 32)
        try ByteToMessageDecoderVerifier.verifyDecoder(
            inputOutputPairs: [
                (ByteBuffer(bytes: [0x65, 0x53, 0xF1, 0x00, 0x00, 0x20] + token32), [Self.tuple(1_700_000_000, token32)]),
                (ByteBuffer(bytes: [0x00, 0x00, 0x00, 0x01, 0x00, 0x02, 0xAA, 0xBB]), [Self.tuple(1, [0xAA, 0xBB])]),
                (ByteBuffer(bytes: [0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00]), [Self.tuple(.max, [])]),
                (ByteBuffer(bytes: [0, 0, 0, 5, 0, 1, 0x01, 0, 0, 0, 6, 0, 3, 0x02, 0x03, 0x04]), [
                    Self.tuple(5, [0x01]), Self.tuple(6, [0x02, 0x03, 0x04]),
                ]),
            ],
            decoderFactory: FeedbackTupleDecoder.init)
    }

    @Test func splitAtEveryByteBoundary() throws {
        let bytes: [UInt8] = [0x00, 0x00, 0x01, 0x00, 0x00, 0x03, 0x07, 0x08, 0x09]
        for cut in 0...bytes.count {
            let channel = EmbeddedChannel(handler: ByteToMessageHandler(FeedbackTupleDecoder()))
            try channel.writeInbound(ByteBuffer(bytes: bytes[..<cut]))
            if cut < bytes.count { #expect(try channel.readInbound(as: FeedbackTuple.self) == nil) }
            try channel.writeInbound(ByteBuffer(bytes: bytes[cut...]))
            #expect(try channel.readInbound(as: FeedbackTuple.self) == Self.tuple(256, [7, 8, 9]))
            #expect(try channel.finish().isClean)
        }
    }

    /// A stream cut inside a tuple is reported, never dropped: in the header and in the token.
    @Test(arguments: [1, 5, 6, 37])
    func truncatedTupleAtEOFIsReported(count: Int) throws {
        let full: [UInt8] = [0x65, 0x53, 0xF1, 0x00, 0x00, 0x20] + [UInt8](repeating: 0xCD, count: 32)
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FeedbackTupleDecoder()))
        try channel.writeInbound(ByteBuffer(bytes: full + full.prefix(count)))
        #expect(try channel.readInbound(as: FeedbackTuple.self) == Self.tuple(1_700_000_000, Array(full[6...])))
        #expect(throws: GatewayProtocolError(code: .truncatedFeedbackTuple, bytes: Array(full.prefix(count)))) {
            try channel.finish()
        }
    }
}
