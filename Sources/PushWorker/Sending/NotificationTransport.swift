import APNSBinary
import APNSHTTP2
import PushCore

/// What every notification of a campaign carries, in the form of the app's transport.
enum TransportContent: Sendable {
    case binary(NotificationContent)
    case http2(HTTP2NotificationContent)
}

/// The seam between an app's ``AppSender`` and its gateway pool, so the sender does not care
/// whether the app speaks the binary protocol or HTTP/2. Both pools keep their own API; each
/// conformance only adapts it.
protocol NotificationTransport: Sendable {
    /// `binary` or `http2`, as in `push.app.transport`.
    var name: String { get }
    func start()
    /// Queues tagged tokens that share `content`; suspends while the pool is saturated.
    ///
    /// - Throws: the pool's ``GatewayFailure`` (fatal, or `poolClosed`); none of the tokens was taken.
    func submit(_ tokens: [(tag: UInt64, token: DeviceToken)], content: TransportContent) async throws
    /// Calls `settle` with each batch of settled notifications until the pool is drained.
    func runOutcomes(_ settle: ([SettledToken]) async -> Void) async
    /// Sends what the pool holds, settles what is on the wire, and closes the connections.
    func drain() async
    /// The pool's counters (``TransportStatistics``).
    func statistics() async -> TransportStatistics
}

/// The binary provider protocol (``GatewayPool``).
struct BinaryTransport: NotificationTransport {
    let pool: GatewayPool

    var name: String { "binary" }

    func start() { pool.start() }

    func submit(_ tokens: [(tag: UInt64, token: DeviceToken)], content: TransportContent) async throws {
        guard case .binary(let content) = content else { preconditionFailure("HTTP/2 content for a binary app") }
        try await pool.submit(tokens.map { GatewayNotification(tag: $0.tag, deviceToken: $0.token, content: content) })
    }

    func runOutcomes(_ settle: ([SettledToken]) async -> Void) async {
        for await batch in pool.outcomes { await settle(batch.map(SettledToken.init)) }
    }

    func drain() async { await pool.drain() }

    func statistics() async -> TransportStatistics { TransportStatistics(binary: await pool.statistics()) }
}

/// The HTTP/2 provider API (``HTTP2Pool``).
struct HTTP2Transport: NotificationTransport {
    let pool: HTTP2Pool

    var name: String { "http2" }

    func start() { pool.start() }

    func submit(_ tokens: [(tag: UInt64, token: DeviceToken)], content: TransportContent) async throws {
        guard case .http2(let content) = content else { preconditionFailure("binary content for an HTTP/2 app") }
        try await pool.submit(tokens.map { HTTP2Notification(tag: $0.tag, deviceToken: $0.token, content: content) })
    }

    func runOutcomes(_ settle: ([SettledToken]) async -> Void) async {
        for await batch in pool.outcomes { await settle(batch.map(SettledToken.init)) }
    }

    func drain() async { await pool.drain() }

    func statistics() async -> TransportStatistics { TransportStatistics(http2: await pool.statistics()) }
}
