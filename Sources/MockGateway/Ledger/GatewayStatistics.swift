import APNSBinary

/// The gateway's counters at one moment: what it accepted, rejected and dropped.
public struct GatewayStatistics: Sendable, Hashable, Codable {
    /// Notifications accepted (each one is a ledger line).
    public var accepted: Int = 0
    /// Notifications answered with an error response, keyed by binary status name
    /// (`invalid_token`, …) or HTTP/2 reason (`BadDeviceToken`, `Unregistered`, …).
    /// Binary shutdowns (status 10) are counted in `shutdownsSent`, not here.
    public var rejected: [String: Int] = [:]
    /// Complete records that arrived after an error response or fault on the same connection and
    /// were thrown away, as APNs does.
    public var discardedAfterError: Int = 0
    /// Accepted notifications whose token and payload equal an earlier accepted one (compared
    /// by a 64-bit digest).
    public var duplicates: Int = 0
    /// Status-10 responses written by the `shutdownAfter` fault.
    public var shutdownsSent: Int = 0
    /// Connections closed by the `abruptCloseAfter` fault.
    public var abruptCloses: Int = 0
    /// Connections closed without a response because their framing was lost.
    public var unparseableCloses: Int = 0
    /// HTTP/2 GOAWAY frames sent by the `goAwayAfter` fault.
    public var goAwaysSent: Int = 0
    /// HTTP/2 SETTINGS frames that changed `SETTINGS_MAX_CONCURRENT_STREAMS` after the first.
    public var streamLimitChanges: Int = 0
    /// Open connections, binary and HTTP/2.
    public var connectionsCurrent: Int = 0
    public var connectionsTotal: Int = 0
    /// Connections closed on arrival because of the connection limit.
    public var connectionsRefusedByLimit: Int = 0
    /// TLS handshakes that failed (no client certificate, unknown CA, …), gateway, feedback and
    /// HTTP/2 (which also counts clients that did not negotiate `h2`).
    public var handshakesFailed: Int = 0
    public var feedbackConnections: Int = 0
    /// Complete feedback tuples written (a truncated last tuple is not counted).
    public var feedbackTuplesServed: Int = 0

    public init() {}

    /// How many HTTP/2 requests were answered with `reason`.
    public func rejected(_ reason: HTTP2Reason) -> Int {
        rejected[reason.rawValue, default: 0]
    }

    /// How many notifications were answered with `status`.
    public func rejected(_ status: BinaryStatus) -> Int {
        rejected[status.name, default: 0]
    }

    /// All rejections together.
    public var rejectedTotal: Int {
        rejected.values.reduce(0, +)
    }
}
