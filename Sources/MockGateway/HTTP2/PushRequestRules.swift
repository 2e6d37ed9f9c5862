import NIOCore
import NIOHPACK
import PushCore

/// The checks APNs applies to a request before it looks at who sent it or where it goes
/// (apns-protocol.md §3.3), as pure functions: a request in, a `ValidatedPush` or the reason
/// APNs would answer out. Checked in this order: method and path, then (by the connection) the
/// provider token, then headers and payload, then (by the connection) the topic.
public enum PushRequestRules {
    /// Shortest device token accepted, in hex digits (Apple's tokens are 32 bytes today).
    public static let shortestTokenHexDigits = 64
    /// Longest device token accepted, in hex digits (Apple: "up to 100 bytes").
    public static let longestTokenHexDigits = 200
    /// Longest `apns-collapse-id`, in bytes.
    public static let longestCollapseID = 64
    /// Bodies are buffered up to this size; anything larger is too large for every push type.
    public static let largestBufferedBody = PayloadLimit.http2VoIP.byteCount + 1

    private static let devicePathPrefix = "/3/device/"

    /// `:method` and `:path`: `POST /3/device/<hex token>`. Returns the token's bytes.
    public static func route(of request: PushRequest) -> Result<ByteBuffer, HTTP2Reason> {
        guard request.fields.method == "POST" else { return .failure(.methodNotAllowed) }
        guard let path = request.fields.path, path.hasPrefix(devicePathPrefix) else {
            return .failure(.badPath)
        }
        let hex = path.utf8.dropFirst(devicePathPrefix.utf8.count)
        if hex.isEmpty { return .failure(.missingDeviceToken) }
        guard let token = deviceToken(hex: hex) else { return .failure(.badDeviceToken) }
        return .success(token)
    }

    /// The `apns-*` headers and the payload.
    public static func content(of request: PushRequest, deviceToken: ByteBuffer) -> Result<ValidatedPush, HTTP2Reason> {
        let fields = request.fields
        // The `apns-*` headers and `authorization` may appear once each.
        if fields.hasDuplicates { return .failure(.duplicateHeaders) }
        let apnsID = fields.apnsID
        if let apnsID, !isCanonicalUUID(apnsID) { return .failure(.badMessageId) }

        var pushType: PushType?
        if let value = fields.pushType {
            guard let known = PushType(rawValue: value) else { return .failure(.invalidPushType) }
            pushType = known
        }
        if let priority = fields.priority {
            guard priority == "10" || priority == "5" || priority == "1" else { return .failure(.badPriority) }
            // Apple: background notifications must use priority 5.
            if pushType == .background, priority != "5" { return .failure(.badPriority) }
        }
        if let expiration = fields.expiration {
            guard !expiration.isEmpty, expiration.utf8.count <= 19, expiration.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
            else { return .failure(.badExpirationDate) }
        }
        if let collapseID = fields.collapseID, collapseID.utf8.count > longestCollapseID {
            return .failure(.badCollapseId)
        }

        let topic = fields.topic
        if let topic, let suffix = pushType?.topicSuffix, !topic.hasSuffix(suffix) {
            return .failure(.badTopic)
        }

        if request.bodyLength == 0 { return .failure(.payloadEmpty) }
        let limit: PayloadLimit = pushType == .voip ? .http2VoIP : .http2
        if request.bodyLength > limit.byteCount { return .failure(.payloadTooLarge) }
        // Apple documents no reason for a body that is not a JSON object; the mock answers with
        // the documented PayloadEmpty rather than invent one.
        guard (try? Payload(validating: Array(request.body.readableBytesView), limit: limit)) != nil else {
            return .failure(.payloadEmpty)
        }
        return .success(
            ValidatedPush(deviceToken: deviceToken, topic: topic, pushType: pushType, apnsID: apnsID, payload: request.body))
    }

    /// The topic a push goes to on a connection with `credential`, or why it may not.
    ///
    /// - Certificate connections: the topic (less its push-type suffix) must be the certificate's;
    ///   without `apns-topic` the certificate's topic is used, as APNs does for single-topic
    ///   certificates. A certificate whose topic the mock cannot read needs `apns-topic`.
    /// - Token connections: `apns-topic` is required; when `allowedTopics` is given, its bundle id
    ///   must be in it.
    public static func topic(
        of push: ValidatedPush,
        credential: ConnectionCredential,
        allowedTopics: Set<String>?
    ) -> Result<String, HTTP2Reason> {
        switch credential {
        case .certificate(let certificateTopic):
            guard let topic = push.topic else {
                return certificateTopic.map { .success($0) } ?? .failure(.missingTopic)
            }
            if let certificateTopic, PushType.bundleID(of: topic) != certificateTopic { return .failure(.badTopic) }
            return .success(topic)
        case .token:
            guard let topic = push.topic else { return .failure(.missingTopic) }
            if let allowedTopics, !allowedTopics.contains(String(PushType.bundleID(of: topic))) {
                return .failure(.topicDisallowed)
            }
            return .success(topic)
        }
    }

    /// Lowercase or uppercase 8-4-4-4-12 hex digits.
    public static func isCanonicalUUID(_ text: String) -> Bool {
        let utf8 = text.utf8
        guard utf8.count == 36 else { return false }
        for (offset, byte) in utf8.enumerated() {
            switch offset {
            case 8, 13, 18, 23:
                guard byte == UInt8(ascii: "-") else { return false }
            default:
                guard byte.isHexDigit else { return false }
            }
        }
        return true
    }

    /// The bytes of an even number of hex digits within the accepted length, else `nil`.
    static func deviceToken(hex: Substring.UTF8View) -> ByteBuffer? {
        let count = hex.count
        guard count >= shortestTokenHexDigits, count <= longestTokenHexDigits, count % 2 == 0 else { return nil }
        // Native strings are contiguous; the copy is for the others.
        return hex.withContiguousStorageIfAvailable(bytes(hex:)) ?? Array(hex).withUnsafeBufferPointer(bytes(hex:))
    }

    private static func bytes(hex digits: UnsafeBufferPointer<UInt8>) -> ByteBuffer? {
        var bytes = ByteBuffer()
        let written = bytes.writeWithUnsafeMutableBytes(minimumWritableBytes: digits.count / 2) { target in
            for index in 0..<digits.count / 2 {
                guard let high = nibble(digits[2 * index]), let low = nibble(digits[2 * index + 1]) else { return 0 }
                target[index] = high << 4 | low
            }
            return digits.count / 2
        }
        return written == digits.count / 2 ? bytes : nil
    }

    private static func nibble(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

extension UInt8 {
    var isHexDigit: Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(self)
            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(self)
    }
}
