import NIOCore
import NIOHPACK

/// One request as it arrived on a stream: its header block (pseudo-headers included) and its
/// body. Bodies larger than `PushRequestRules.largestBufferedBody` are not kept whole;
/// `bodyLength` still counts every byte.
public struct PushRequest: Sendable {
    public var headers: HPACKHeaders {
        didSet { fields = PushRequestFields(headers) }
    }
    public var body: ByteBuffer
    public var bodyLength: Int
    /// The header fields the gateway reads, found once.
    private(set) var fields: PushRequestFields

    public init(headers: HPACKHeaders, body: ByteBuffer = ByteBuffer(), bodyLength: Int? = nil) {
        self.headers = headers
        self.fields = PushRequestFields(headers)
        self.body = body
        self.bodyLength = bodyLength ?? body.readableBytes
    }
}

/// A request that passed `PushRequestRules.content(of:deviceToken:)`: the values the gateway
/// acts on.
public struct ValidatedPush: Sendable, Hashable {
    public var deviceToken: ByteBuffer
    /// `apns-topic`, if the request had one (a certificate connection may do without).
    public var topic: String?
    public var pushType: PushType?
    /// `apns-id` as the client sent it, if it did.
    public var apnsID: String?
    public var payload: ByteBuffer
}
