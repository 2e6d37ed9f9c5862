import Foundation

/// One line of the ledger, parsed back (for tests and benchmarks comparing their own records
/// with what the gateway accepted).
public struct LedgerEntry: Sendable, Hashable {
    public var connection: UInt64
    /// Command byte: 0, 1 or 2; `GatewayLedger.http2Format` for HTTP/2.
    public var format: UInt8
    /// The notification identifier; the stream id for HTTP/2.
    public var identifier: UInt32
    /// The device token in lowercase hex.
    public var tokenHex: String
    public var payloadLength: Int
    /// FNV-1a 64 of the payload.
    public var payloadDigest: UInt64

    /// Parses one ledger line (without its newline); `nil` if it is not one.
    public init?(line: Substring) {
        let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
        guard fields.count == 6,
            let connection = UInt64(fields[0]),
            let format = UInt8(fields[1]),
            let identifier = UInt32(fields[2]),
            let payloadLength = Int(fields[4]),
            let payloadDigest = UInt64(fields[5], radix: 16)
        else { return nil }
        self.connection = connection
        self.format = format
        self.identifier = identifier
        self.tokenHex = String(fields[3])
        self.payloadLength = payloadLength
        self.payloadDigest = payloadDigest
    }

    /// FNV-1a 64 of `payload`, as the ledger records it — to match a payload you sent.
    public static func digest(ofPayload payload: some Sequence<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in payload {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        return hash
    }
}

extension GatewayLedger {
    /// Every entry of the ledger file at `path`, in file order.
    public static func entries(at path: String) throws -> [LedgerEntry] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MockGatewayError(message: "cannot read the ledger \(path)")
        }
        let text = String(decoding: data, as: UTF8.self)
        return try text.split(separator: "\n").enumerated().map { number, line in
            guard let entry = LedgerEntry(line: line) else {
                throw MockGatewayError(message: "\(path):\(number + 1) is not a ledger line")
            }
            return entry
        }
    }
}
