/// What a connection reports to its pool, on the connection's (and pool's) event loop.
protocol HTTP2ConnectionDelegate: AnyObject {
    /// TLS completed with ALPN `h2`.
    func connectionBecameReady(_ connection: HTTP2ConnectionHandler)
    /// The connection may take more notifications (``HTTP2ConnectionHandler/room`` grew).
    func connectionHasRoom(_ connection: HTTP2ConnectionHandler)
    /// A notification's stream ended.
    func connection(_ connection: HTTP2ConnectionHandler, finished notification: PendingHTTP2Notification, _ result: SettledStream)
    /// The channel closed; `error` is the first error seen, if any.
    func connectionClosed(_ connection: HTTP2ConnectionHandler, error: (any Error)?)
}

/// How one notification's stream ended, as the connection judged it.
enum SettledStream: Sendable {
    /// APNs answered. `providerToken` is the token the request carried (token authentication).
    case answered(HTTP2Response, providerToken: String?)
    /// APNs did not process it (refused, above GOAWAY's last-stream-id, never sent).
    case notProcessed(reason: String)
    /// Reset or lost: APNs may or may not have processed it.
    case lost(reason: String)
}

/// A notification the pool holds: the caller's notification, plus how often it was on a stream
/// lost without an answer and how often its token had to be renewed.
struct PendingHTTP2Notification: Sendable {
    var notification: HTTP2Notification
    var lostAttempts: UInt8 = 0
    var tokenRenewals: UInt8 = 0
}
