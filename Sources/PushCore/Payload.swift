/// A notification payload proven to be one JSON object within a format's size limit.
///
/// A payload belongs to a campaign, so it is validated once and then shared by every notification
/// of that campaign; nothing on the per-notification path looks at it again.
public struct Payload: Hashable, Sendable {
    /// The UTF-8 JSON bytes, exactly as they will go on the wire (not NUL-terminated).
    public let bytes: [UInt8]
    /// The limit this payload was checked against.
    public let limit: PayloadLimit

    /// Checks that `bytes` is a single JSON object no larger than `limit`.
    public init(validating bytes: [UInt8], limit: PayloadLimit) throws(ValidationError) {
        guard !bytes.isEmpty else { throw .payloadEmpty }
        guard bytes.count <= limit.byteCount else {
            throw .payloadTooLarge(byteCount: bytes.count, limit: limit)
        }
        try JSONObjectValidator.validate(bytes)
        self.bytes = bytes
        self.limit = limit
    }

    /// Checks the UTF-8 form of `json`.
    public init(validating json: String, limit: PayloadLimit) throws(ValidationError) {
        try self.init(validating: Array(json.utf8), limit: limit)
    }
}
