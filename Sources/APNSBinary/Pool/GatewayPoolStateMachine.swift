/// The pool's decisions about connections, as a pure state machine: which slot to connect, when
/// to retry after a failure, when the gateway counts as unreachable, and when a failure is fatal.
/// No NIO, no clock of its own: every event that needs the time takes `now`, and timers are
/// actions (`scheduleReconnect`) answered by ``reconnectTimerFired(slot:now:)``.
///
/// A connection that settled through protocol evidence (an error response or the probe's answer)
/// is replaced at once: that is the normal life of a binary connection. Everything else — a
/// refused or failed connect, a close without any answer — counts as a failure and is retried after
/// an exponential, jittered back-off, never in a tight loop. A TLS refusal because of our client
/// certificate, or a gateway certificate we do not trust, stops the pool.
public struct GatewayPoolStateMachine<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    public struct Configuration: Sendable, Hashable {
        public var connectionCount: Int
        public var backoff: BackoffPolicy
        /// After this many failures in a row (across the pool) pending work fails as
        /// `gatewayUnreachable` instead of waiting; connecting continues with back-off.
        public var unreachableAfterFailures: Int

        public init(connectionCount: Int = 4, backoff: BackoffPolicy = .init(), unreachableAfterFailures: Int = 6) {
            precondition(connectionCount >= 1 && unreachableAfterFailures >= 1)
            self.connectionCount = connectionCount
            self.backoff = backoff
            self.unreachableAfterFailures = unreachableAfterFailures
        }
    }

    /// How a connection ended.
    public enum ConnectionEnd: Sendable, Hashable {
        /// The gateway proved it worked with us (an error response or the probe's answer).
        case settledByGateway
        /// No evidence: the connect failed, or the connection closed without an answer.
        case failed(reason: String)
        /// The pool closed the connection on purpose with nothing in flight (draining).
        case retired
        /// The gateway refused our client certificate.
        case clientCertificateRejected(reason: String)
        /// The gateway's certificate did not verify.
        case gatewayCertificateUntrusted(reason: String)
    }

    public enum Action: Sendable, Hashable {
        /// Open a connection for `slot`.
        case connect(slot: Int)
        /// Call ``reconnectTimerFired(slot:now:)`` at `deadline`.
        case scheduleReconnect(slot: Int, deadline: Instant)
        /// The gateway counts as unreachable: fail the pending work with this failure (and new
        /// work until a connection proves itself).
        case failPending(GatewayFailure)
        /// Fatal: fail everything, close every connection, take no more work.
        case failPool(GatewayFailure)
    }

    enum Slot: Sendable, Hashable {
        case idle
        case connecting
        case connected
        case backingOff(until: Instant)
    }

    public let configuration: Configuration
    private(set) var slots: [Slot]
    private var consecutiveFailures = 0
    /// Whether pending work currently fails as `gatewayUnreachable` (see ``Action/failPending(_:)``).
    public private(set) var isUnreachable = false
    private(set) var failure: GatewayFailure?
    private var isDraining = false
    private var random: SplitMix64

    public init(configuration: Configuration, seed: UInt64 = 0x5EED) {
        self.configuration = configuration
        self.slots = Array(repeating: .idle, count: configuration.connectionCount)
        self.random = SplitMix64(seed: seed)
    }

    /// Connections that are open or opening.
    public var liveConnectionCount: Int {
        slots.count { $0 == .connecting || $0 == .connected }
    }

    // MARK: Events

    /// Open every slot.
    public mutating func start() -> [Action] {
        connectIdleSlots()
    }

    /// Work arrived while draining let slots go idle: open them again.
    public mutating func workArrived() -> [Action] {
        failure == nil ? connectIdleSlots() : []
    }

    /// Stop replacing connections once there is no work left.
    public mutating func drainRequested() {
        isDraining = true
    }

    /// The TLS handshake of `slot` completed: the gateway is reachable again (the back-off keeps
    /// growing until a connection also proves itself with an answer).
    public mutating func connectionReady(slot: Int) {
        if slots[slot] == .connecting { slots[slot] = .connected }
        isUnreachable = false
    }

    /// The gateway proved it works with us (error response or probe answer on `slot`).
    public mutating func connectionProven(slot: Int) {
        consecutiveFailures = 0
        isUnreachable = false
    }

    /// A connection of `slot` ended (or failed to open). `hasWork` says whether anything is waiting
    /// to be written, which matters only while draining.
    public mutating func connectionEnded(slot: Int, _ end: ConnectionEnd, hasWork: Bool, now: Instant) -> [Action] {
        slots[slot] = .idle
        guard failure == nil else { return [] }
        switch end {
        case .clientCertificateRejected(let reason):
            return fail(GatewayFailure(code: .clientCertificateRejected, message: reason))
        case .gatewayCertificateUntrusted(let reason):
            return fail(GatewayFailure(code: .gatewayCertificateUntrusted, message: reason))
        case .settledByGateway, .retired:
            if end == .settledByGateway { connectionProven(slot: slot) }
            if isDraining && !hasWork { return [] }
            slots[slot] = .connecting
            return [.connect(slot: slot)]
        case .failed(let reason):
            consecutiveFailures += 1
            var actions: [Action] = []
            if consecutiveFailures >= configuration.unreachableAfterFailures && !isUnreachable {
                isUnreachable = true
                actions.append(.failPending(GatewayFailure(
                    code: .gatewayUnreachable,
                    message: "\(consecutiveFailures) connection attempts in a row failed; last: \(reason)")))
            }
            if isDraining && !hasWork { return actions }
            let delay = configuration.backoff.delay(
                afterFailures: consecutiveFailures, random: Double.random(in: 0..<1, using: &random))
            let deadline = now.advanced(by: delay)
            slots[slot] = .backingOff(until: deadline)
            actions.append(.scheduleReconnect(slot: slot, deadline: deadline))
            return actions
        }
    }

    /// A back-off timer fired. `hasWork` says whether anything waits to be written, which matters
    /// only while draining.
    public mutating func reconnectTimerFired(slot: Int, hasWork: Bool = true, now: Instant) -> [Action] {
        guard failure == nil, case .backingOff(let until) = slots[slot] else { return [] }
        guard now >= until else { return [.scheduleReconnect(slot: slot, deadline: until)] }
        if isDraining && !hasWork {
            slots[slot] = .idle
            return []
        }
        slots[slot] = .connecting
        return [.connect(slot: slot)]
    }

    // MARK: Helpers

    private mutating func connectIdleSlots() -> [Action] {
        var actions: [Action] = []
        for index in slots.indices where slots[index] == .idle {
            slots[index] = .connecting
            actions.append(.connect(slot: index))
        }
        return actions
    }

    private mutating func fail(_ failure: GatewayFailure) -> [Action] {
        self.failure = failure
        return [.failPool(failure)]
    }
}
