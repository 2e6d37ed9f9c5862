import APNSBinary
import NIOCore
import NIOEmbedded
import NIOTestUtils
import Testing

@Suite struct ErrorResponseDecoderTests {
    /// Every status Apple documents, plus undefined ones that must survive as themselves.
    static let statuses: [UInt8] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 128, 255, 9, 11, 42, 127, 200, 254]

    @Test(arguments: statuses)
    func decodesEveryStatus(raw: UInt8) throws {
        let bytes: [UInt8] = [0x08, raw, 0x00, 0x00, 0x00, 0x2A]
        try ByteToMessageDecoderVerifier.verifyDecoder(
            inputOutputPairs: [(ByteBuffer(bytes: bytes), [ErrorResponse(status: BinaryStatus(rawValue: raw), identifier: 42)])],
            decoderFactory: ErrorResponseDecoder.init)
    }

    @Test func statusNamesAreStable() {
        #expect(BinaryStatus(rawValue: 8).name == "invalid_token")
        #expect(BinaryStatus(rawValue: 10) == .shutdown)
        #expect(BinaryStatus(rawValue: 128) == .protocolError)
        #expect(BinaryStatus(rawValue: 255) == .unknown)
        #expect(BinaryStatus(rawValue: 9).name == "status_9")
        #expect(BinaryStatus(rawValue: 200).description == "status_200 (200)")
    }

    @Test func identifierIsBigEndian() throws {
        try ByteToMessageDecoderVerifier.verifyDecoder(
            inputOutputPairs: [
                (ByteBuffer(bytes: [0x08, 0x08, 0x01, 0x02, 0x03, 0x04]), [ErrorResponse(status: .invalidToken, identifier: 0x0102_0304)]),
                (ByteBuffer(bytes: [0x08, 0x0A, 0xFF, 0xFF, 0xFF, 0xFF]), [ErrorResponse(status: .shutdown, identifier: .max)]),
                (ByteBuffer(bytes: [0x08, 0x02, 0x00, 0x00, 0x00, 0x00]), [ErrorResponse(status: .missingDeviceToken, identifier: 0)]),
                (ByteBuffer(bytes: [0x08, 0x01, 0, 0, 0, 1, 0x08, 0x07, 0, 0, 0, 2]), [
                    ErrorResponse(status: .processingError, identifier: 1),
                    ErrorResponse(status: .invalidPayloadSize, identifier: 2),
                ]),
            ],
            decoderFactory: ErrorResponseDecoder.init)
    }

    /// TCP may split the six bytes anywhere.
    @Test func splitAtEveryByteBoundary() throws {
        let bytes: [UInt8] = [0x08, 0x08, 0x00, 0x00, 0x01, 0x00]
        for cut in 0...bytes.count {
            let channel = EmbeddedChannel(handler: ByteToMessageHandler(ErrorResponseDecoder()))
            try channel.writeInbound(ByteBuffer(bytes: bytes[..<cut]))
            if cut < bytes.count { #expect(try channel.readInbound(as: ErrorResponse.self) == nil) }
            try channel.writeInbound(ByteBuffer(bytes: bytes[cut...]))
            #expect(try channel.readInbound(as: ErrorResponse.self) == ErrorResponse(status: .invalidToken, identifier: 256))
            #expect(try channel.finish().isClean)
        }
    }

    @Test(arguments: [[UInt8(0x00)], [0x02, 0x00, 0x00], [0x07, 0x08, 0, 0, 0, 1], [0xFF, 0, 0, 0, 0, 0, 0, 0]])
    func anotherCommandIsATypedErrorCarryingTheBytes(bytes: [UInt8]) throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(ErrorResponseDecoder()))
        #expect(throws: GatewayProtocolError(code: .unexpectedCommand, bytes: Array(bytes.prefix(6)))) {
            try channel.writeInbound(ByteBuffer(bytes: bytes))
        }
        _ = try? channel.finish()
    }

    @Test(arguments: 1...5)
    func leftoversAtEOFAreReported(count: Int) throws {
        let bytes: [UInt8] = Array([0x08, 0x08, 0x00, 0x00, 0x00, 0x07].prefix(count))
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(ErrorResponseDecoder()))
        try channel.writeInbound(ByteBuffer(bytes: bytes))
        #expect(throws: GatewayProtocolError(code: .truncatedErrorResponse, bytes: bytes)) {
            try channel.finish()
        }
    }

    @Test func errorDescriptionShowsTheBytes() {
        let error = GatewayProtocolError(code: .unexpectedCommand, bytes: [0x07, 0xAB])
        #expect("\(error)" == "unexpected command: received [07 ab]")
    }
}
