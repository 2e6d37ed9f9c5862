import APNSBinary
import NIOCore

/// The gateway's own parser for commands 0, 1 and 2 — written independently of the client's
/// encoder so that an encoder bug shows up as an error response instead of agreeing with itself.
///
/// A record is only judged once it is complete. The statuses, in the order they are checked:
///
/// | Input | Status | Identifier |
/// |---|---|---|
/// | command byte other than 0, 1, 2 | none: close with zero bytes | – |
/// | command 2 frame length 0 or above `maximumFrameLength` | none: close with zero bytes | – |
/// | command 2: item header or data running past the frame end, unknown item id, duplicate item, identifier/expiration not 4 bytes, priority not 1 byte | 128 protocol error | item 3 if read, else 0 |
/// | token missing or zero length | 2 missing device token | |
/// | token length outside `tokenLengths` (default exactly 32; never above 100) | 5 invalid token size | |
/// | payload missing or zero length | 4 missing payload | |
/// | payload above 256 (commands 0/1) or 2,048 (command 2) bytes | 7 invalid payload size | |
/// | priority other than 5 or 10 | 128 protocol error | |
///
/// Command 0 carries no identifier; its errors name identifier 0. Command 2 without item 3 also
/// gets identifier 0. The payload is not parsed as JSON (APNs' binary interface has no status
/// for that). Omitted items 4 and 5 default to expiration 0 and priority 10.
struct GatewayFrameDecoder: NIOSingleStepByteToMessageDecoder {
    typealias InboundOut = GatewayInbound

    let rules: FrameRules

    init(rules: FrameRules) {
        self.rules = rules
    }

    mutating func decode(buffer: inout ByteBuffer) throws -> GatewayInbound? {
        guard let command = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return nil }
        switch command {
        case NotificationFrame.Format.simple.rawValue: return decodeLegacy(&buffer, enhanced: false)
        case NotificationFrame.Format.enhanced.rawValue: return decodeLegacy(&buffer, enhanced: true)
        case NotificationFrame.Format.frame.rawValue: return decodeFrame(&buffer)
        default:
            buffer.moveReaderIndex(to: buffer.writerIndex)
            return .unparseable
        }
    }

    mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> GatewayInbound? {
        // An incomplete record at EOF was never delivered; it is neither accepted nor rejected.
        try decode(buffer: &buffer)
    }

    /// Commands 0 and 1: `cmd [id:4 expiry:4] tokenLen:2 token payloadLen:2 payload`.
    private func decodeLegacy(_ buffer: inout ByteBuffer, enhanced: Bool) -> GatewayInbound? {
        let start = buffer.readerIndex
        let headerLength = enhanced ? 9 : 1
        guard let tokenLength = buffer.getInteger(at: start + headerLength, as: UInt16.self) else { return nil }
        let payloadLengthIndex = start + headerLength + 2 + Int(tokenLength)
        guard let payloadLength = buffer.getInteger(at: payloadLengthIndex, as: UInt16.self) else { return nil }
        let recordLength = headerLength + 2 + Int(tokenLength) + 2 + Int(payloadLength)
        guard buffer.readableBytes >= recordLength else { return nil }

        var identifier: UInt32 = 0
        var expiration: UInt32 = 0
        buffer.moveReaderIndex(forwardBy: 1)
        if enhanced {
            identifier = buffer.readInteger(as: UInt32.self)!
            expiration = buffer.readInteger(as: UInt32.self)!
        }
        buffer.moveReaderIndex(forwardBy: 2)
        let token = buffer.readSlice(length: Int(tokenLength))!
        buffer.moveReaderIndex(forwardBy: 2)
        let payload = buffer.readSlice(length: Int(payloadLength))!
        return judge(
            NotificationFrame(
                format: enhanced ? .enhanced : .simple,
                identifier: identifier,
                deviceToken: token,
                payload: payload,
                expiration: expiration,
                priority: 10
            ),
            hasToken: true,
            hasPayload: true
        )
    }

    /// Command 2: `2 frameLength:4 items…`, each item `id:1 length:2 data`.
    private func decodeFrame(_ buffer: inout ByteBuffer) -> GatewayInbound? {
        let start = buffer.readerIndex
        guard let frameLength = buffer.getInteger(at: start + 1, as: UInt32.self) else { return nil }
        guard frameLength > 0, frameLength <= rules.maximumFrameLength else {
            buffer.moveReaderIndex(to: buffer.writerIndex)
            return .unparseable
        }
        guard buffer.readableBytes >= 5 + Int(frameLength) else { return nil }
        buffer.moveReaderIndex(forwardBy: 5)
        var items = buffer.readSlice(length: Int(frameLength))!
        return parseItems(&items)
    }

    private func parseItems(_ items: inout ByteBuffer) -> GatewayInbound {
        var frame = NotificationFrame(
            format: .frame, identifier: 0, deviceToken: ByteBuffer(), payload: ByteBuffer())
        var seen: UInt8 = 0
        var broken = false
        while items.readableBytes > 0 {
            guard let (itemID, itemLength) = items.readMultipleIntegers(as: (UInt8, UInt16).self),
                let data = items.readSlice(length: Int(itemLength))
            else {
                broken = true
                break
            }
            guard let item = NotificationFrame.Item(rawValue: itemID) else {
                broken = true
                continue
            }
            let bit: UInt8 = 1 << itemID
            if seen & bit != 0 { broken = true }
            seen |= bit
            switch item {
            case .deviceToken: frame.deviceToken = data
            case .payload: frame.payload = data
            case .identifier:
                if itemLength == 4 { frame.identifier = data.getInteger(at: data.readerIndex, as: UInt32.self)! } else { broken = true }
            case .expiration:
                if itemLength == 4 { frame.expiration = data.getInteger(at: data.readerIndex, as: UInt32.self)! } else { broken = true }
            case .priority:
                if itemLength == 1 { frame.priority = data.getInteger(at: data.readerIndex, as: UInt8.self)! } else { broken = true }
            }
        }
        if broken {
            return .malformed(ErrorResponse(status: .protocolError, identifier: frame.identifier))
        }
        return judge(
            frame,
            hasToken: seen & (1 << NotificationFrame.Item.deviceToken.rawValue) != 0,
            hasPayload: seen & (1 << NotificationFrame.Item.payload.rawValue) != 0
        )
    }

    /// Applies the content checks of the table above to a complete, well-framed record.
    private func judge(_ frame: NotificationFrame, hasToken: Bool, hasPayload: Bool) -> GatewayInbound {
        let tokenLength = frame.deviceToken.readableBytes
        let payloadLength = frame.payload.readableBytes
        let payloadLimit = frame.format == .frame ? rules.framePayloadLimit : rules.legacyPayloadLimit
        let status: BinaryStatus
        if !hasToken || tokenLength == 0 {
            status = .missingDeviceToken
        } else if !rules.tokenLengths.contains(tokenLength) {
            status = .invalidTokenSize
        } else if !hasPayload || payloadLength == 0 {
            status = .missingPayload
        } else if payloadLength > payloadLimit {
            status = .invalidPayloadSize
        } else if frame.priority != 10 && frame.priority != 5 {
            status = .protocolError
        } else {
            return .notification(frame)
        }
        return .malformed(ErrorResponse(status: status, identifier: frame.identifier))
    }
}
