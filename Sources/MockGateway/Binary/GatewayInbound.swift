import APNSBinary

/// What the gateway makes of the next record on a connection.
enum GatewayInbound: Sendable, Hashable {
    /// A well-formed notification (fault injection may still reject it).
    case notification(NotificationFrame)
    /// A record whose boundaries are known but whose content is invalid: answer with this
    /// response and close.
    case malformed(ErrorResponse)
    /// The framing is lost (unknown command, frame length out of range): close without a word,
    /// as TN2265 describes.
    case unparseable
}
