/// The status byte of an error response (command 8) from the binary gateway.
///
/// Backed by the raw byte, so values Apple never documented survive as themselves instead of
/// being folded into "unknown" (Houston read this byte as signed; Grocer mapped 256 for 255).
public struct BinaryStatus: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt8

    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// 0: documented, but the gateway only speaks when something went wrong.
    public static let noErrorsEncountered = BinaryStatus(rawValue: 0)
    /// 1: the gateway failed internally; the notification may be sent again.
    public static let processingError = BinaryStatus(rawValue: 1)
    /// 2: the frame carried no device token (this is how the known-bad probe is answered).
    public static let missingDeviceToken = BinaryStatus(rawValue: 2)
    /// 3: no topic could be derived for the notification.
    public static let missingTopic = BinaryStatus(rawValue: 3)
    /// 4: the frame carried no payload.
    public static let missingPayload = BinaryStatus(rawValue: 4)
    /// 5: the device token has the wrong size; the token is unusable.
    public static let invalidTokenSize = BinaryStatus(rawValue: 5)
    /// 6: the topic has the wrong size.
    public static let invalidTopicSize = BinaryStatus(rawValue: 6)
    /// 7: the payload is too large.
    public static let invalidPayloadSize = BinaryStatus(rawValue: 7)
    /// 8: the device token is not valid for this certificate and environment; the token is dead.
    public static let invalidToken = BinaryStatus(rawValue: 8)
    /// 10: the gateway closes the connection on purpose. The identifier names the *last accepted*
    /// notification, unlike every other status, which names the failed one.
    public static let shutdown = BinaryStatus(rawValue: 10)
    /// 128: the gateway could not parse the notification.
    public static let protocolError = BinaryStatus(rawValue: 128)
    /// 255: "none (unknown)"; the notification may be sent again.
    public static let unknown = BinaryStatus(rawValue: 255)

    /// Every status Apple documents, in table order.
    public static let documented: [BinaryStatus] = [
        .noErrorsEncountered, .processingError, .missingDeviceToken, .missingTopic, .missingPayload,
        .invalidTokenSize, .invalidTopicSize, .invalidPayloadSize, .invalidToken, .shutdown,
        .protocolError, .unknown,
    ]

    /// The name recorded in ledgers and reports, e.g. `invalid_token`; undocumented values read
    /// `status_<n>`.
    public var name: String {
        switch rawValue {
        case 0: "no_errors_encountered"
        case 1: "processing_error"
        case 2: "missing_device_token"
        case 3: "missing_topic"
        case 4: "missing_payload"
        case 5: "invalid_token_size"
        case 6: "invalid_topic_size"
        case 7: "invalid_payload_size"
        case 8: "invalid_token"
        case 10: "shutdown"
        case 128: "protocol_error"
        case 255: "unknown"
        default: "status_\(rawValue)"
        }
    }
}

extension BinaryStatus: CustomStringConvertible {
    public var description: String { "\(name) (\(rawValue))" }
}
