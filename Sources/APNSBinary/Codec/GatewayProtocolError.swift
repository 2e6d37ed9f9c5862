/// The gateway or feedback service sent bytes that do not follow the protocol.
///
/// Carries the offending bytes (at most a few dozen; they are protocol headers, never payloads) so
/// a report shows exactly what arrived.
public struct GatewayProtocolError: Error, Hashable, Sendable {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case unexpectedCommand, truncatedErrorResponse, truncatedFeedbackTuple
        }
        private let base: Base

        /// The gateway's only message is command 8; another first byte arrived.
        public static let unexpectedCommand = Code(base: .unexpectedCommand)
        /// The connection ended in the middle of a 6-byte error response.
        public static let truncatedErrorResponse = Code(base: .truncatedErrorResponse)
        /// The feedback stream ended in the middle of a tuple.
        public static let truncatedFeedbackTuple = Code(base: .truncatedFeedbackTuple)

        public var description: String {
            switch base {
            case .unexpectedCommand: "unexpected command"
            case .truncatedErrorResponse: "truncated error response"
            case .truncatedFeedbackTuple: "truncated feedback tuple"
            }
        }
    }

    public var code: Code
    /// The bytes that could not be decoded (capped at 64).
    public var bytes: [UInt8]

    public init(code: Code, bytes: [UInt8]) {
        self.code = code
        self.bytes = Array(bytes.prefix(64))
    }
}

extension GatewayProtocolError: CustomStringConvertible {
    public var description: String {
        let hex = bytes.map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]])
        }
        return "\(code): received [\(hex.joined(separator: " "))]"
    }
}
