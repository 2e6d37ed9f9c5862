import APNSBinary
import NIOCore
import NIOTestUtils
import Testing

@testable import MockGateway

/// The gateway's parser without sockets: every record split at every byte boundary, all in one
/// buffer and shuffled (NIO's `ByteToMessageDecoderVerifier`).
@Suite struct GatewayFrameDecoderTests {
    static let token = WireBytes.token(3)
    static let payload = WireBytes.json()

    static func notification(_ format: NotificationFrame.Format, id: UInt32, expiration: UInt32 = 0, priority: UInt8 = 10) -> GatewayInbound {
        .notification(
            NotificationFrame(
                format: format, identifier: id, deviceToken: ByteBuffer(bytes: token), payload: ByteBuffer(bytes: payload),
                expiration: expiration, priority: priority))
    }

    @Test func decodesEveryFormatAtEverySplit() throws {
        let pairs: [(ByteBuffer, [GatewayInbound])] = [
            (ByteBuffer(bytes: WireBytes.frame(id: 0x0102_0304, token: Self.token, expiration: 0xAABB_CCDD, priority: 5)),
             [Self.notification(.frame, id: 0x0102_0304, expiration: 0xAABB_CCDD, priority: 5)]),
            (ByteBuffer(bytes: WireBytes.enhanced(id: 77, token: Self.token, expiration: 9)), [Self.notification(.enhanced, id: 77, expiration: 9)]),
            (ByteBuffer(bytes: WireBytes.simple(token: Self.token)), [Self.notification(.simple, id: 0)]),
            (ByteBuffer(bytes: WireBytes.frame(items: [WireBytes.item(2, Self.payload), WireBytes.item(1, Self.token)])),
             [Self.notification(.frame, id: 0)]),
            (ByteBuffer(bytes: WireBytes.frame(id: 5, token: [])), [.malformed(ErrorResponse(status: .missingDeviceToken, identifier: 5))]),
            (ByteBuffer(bytes: WireBytes.enhanced(id: 6, payload: Array(repeating: 0x20, count: 300))),
             [.malformed(ErrorResponse(status: .invalidPayloadSize, identifier: 6))]),
        ]
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) {
            GatewayFrameDecoder(rules: FrameRules())
        }
    }

    @Test func unknownCommandLosesTheFramingAndConsumesEverything() throws {
        var decoder = GatewayFrameDecoder(rules: FrameRules())
        var buffer = ByteBuffer(bytes: [7] + WireBytes.frame(id: 1))
        #expect(try decoder.decode(buffer: &buffer) == .unparseable)
        #expect(buffer.readableBytes == 0)
    }

    @Test func incompleteRecordsWaitForMoreBytes() throws {
        var decoder = GatewayFrameDecoder(rules: FrameRules())
        for record in [WireBytes.frame(id: 1), WireBytes.enhanced(id: 1), WireBytes.simple()] {
            var buffer = ByteBuffer(bytes: record.dropLast())
            #expect(try decoder.decode(buffer: &buffer) == nil)
            #expect(buffer.readableBytes == record.count - 1)
        }
    }
}
