import Foundation
import NIOCore
import NIOHPACK

/// APNs' answer to one request: the `:status`, the `apns-id` header, and for a refusal the
/// `reason` and (410 only) the `timestamp` of the JSON body.
///
/// The status survives a body that is not the expected JSON: the reason is then `nil` and
/// ``bodyProblem`` says what was wrong, so nothing is lost to a parse error.
public struct HTTP2Response: Sendable, Hashable {
    public var status: Int
    /// The `apns-id` response header (APNs' id of the notification), lower-cased; `nil` if absent.
    public var apnsID: String?
    public var reason: APNSReason?
    /// When APNs learnt the token was no longer valid for the topic (410 only). The wire carries
    /// milliseconds since 1970, not seconds.
    public var timestamp: Date?
    /// Set when a non-200 body was not JSON with a string `reason`.
    public var bodyProblem: String?

    public init(status: Int, apnsID: String? = nil, reason: APNSReason? = nil, timestamp: Date? = nil, bodyProblem: String? = nil) {
        self.status = status
        self.apnsID = apnsID
        self.reason = reason
        self.timestamp = timestamp
        self.bodyProblem = bodyProblem
    }

    /// Reads a response from its header block and body bytes.
    ///
    /// - Returns: `nil` when `:status` is missing or not a number (a protocol violation the caller
    ///   treats like a reset stream).
    public init?(headers: HPACKHeaders, body: ByteBuffer?) {
        guard let statusText = headers.first(name: ":status"), let status = Int(statusText) else { return nil }
        self.status = status
        self.apnsID = headers.first(name: "apns-id")?.lowercased()
        guard status != 200 else { return }
        guard let body, body.readableBytes > 0 else {
            bodyProblem = "status \(status) came without a body"
            return
        }
        let parsed = ErrorBody.parse(body)
        reason = parsed.reason
        timestamp = parsed.timestamp
        bodyProblem = parsed.problem
    }

    /// The `reason`/`timestamp` JSON of a refusal or a GOAWAY.
    enum ErrorBody {
        static func parse(_ body: ByteBuffer) -> (reason: APNSReason?, timestamp: Date?, problem: String?) {
            let bytes = Data(body.readableBytesView)
            guard let object = try? JSONSerialization.jsonObject(with: bytes) as? [String: Any] else {
                return (nil, nil, "the body (\(body.readableBytes) bytes) is not a JSON object")
            }
            guard let reason = object["reason"] as? String else {
                return (nil, nil, "the body has no string \"reason\"")
            }
            var timestamp: Date?
            if let milliseconds = object["timestamp"] as? NSNumber {
                timestamp = Date(timeIntervalSince1970: milliseconds.doubleValue / 1_000)
            }
            return (APNSReason(reason), timestamp, nil)
        }
    }
}
