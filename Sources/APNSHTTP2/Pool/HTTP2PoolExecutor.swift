import APNSBinary
import NIOCore
import NIOSSL

/// The pool's I/O side, confined to the pool's event loop (its connections run there too): holds
/// the queue of notifications without a stream and the connection of each slot, hands
/// notifications to connections with room, turns settled streams into outcomes or resends, and
/// executes the ``GatewayPoolStateMachine``'s connection decisions (shared with the binary pool).
final class HTTP2PoolExecutor {
    typealias Machine = GatewayPoolStateMachine<ContinuousClock.Instant>
    typealias Source = HTTP2Outcomes.Producer.Source

    let loop: any EventLoop
    let configuration: HTTP2Pool.Configuration
    let tlsContext: NIOSSLContext
    let authentication: HTTP2Authentication
    var machine: Machine
    let source: Source

    var connections: [HTTP2ConnectionHandler?]
    var channels: [(any Channel)?]
    var handshakeDeadlines: [Scheduled<Void>?]
    var nextGeneration: UInt64 = 1
    var pending = CircularBuffer<PendingHTTP2Notification>(initialCapacity: 1024)
    var outcomes: [HTTP2Outcome] = []
    var statistics = HTTP2PoolStatistics()
    var submitWaiters = CircularBuffer<CheckedContinuation<Void, any Error>>()
    var drainWaiters: [CheckedContinuation<Void, Never>] = []
    var dispatchScheduled = false
    var outcomesFlowing = true
    var isDraining = false
    var isFinished = false
    var unreachable: GatewayFailure?
    var fatal: GatewayFailure?
    private var cursor = 0

    init(
        configuration: HTTP2Pool.Configuration, tlsContext: NIOSSLContext, authentication: HTTP2Authentication,
        loop: any EventLoop, source: Source
    ) {
        self.loop = loop
        self.configuration = configuration
        self.tlsContext = tlsContext
        self.authentication = authentication
        self.source = source
        self.machine = Machine(configuration: configuration.machine, seed: UInt64.random(in: 0...UInt64.max))
        let count = configuration.machine.connectionCount
        self.connections = Array(repeating: nil, count: count)
        self.channels = Array(repeating: nil, count: count)
        self.handshakeDeadlines = Array(repeating: nil, count: count)
    }

    // MARK: Calls from HTTP2Pool (on the loop)

    func start() {
        run(machine.start())
    }

    func submit(_ notifications: [HTTP2Notification], continuation: CheckedContinuation<Void, any Error>) {
        if let fatal { return continuation.resume(throwing: fatal) }
        if isDraining || isFinished {
            return continuation.resume(throwing: GatewayFailure(code: .poolClosed, message: "the pool is draining or closed"))
        }
        if let unreachable {
            for notification in notifications { fail(PendingHTTP2Notification(notification: notification), unreachable) }
            flushOutcomes()
            return continuation.resume()
        }
        for notification in notifications { pending.append(PendingHTTP2Notification(notification: notification)) }
        scheduleDispatch()
        if pending.count >= configuration.pendingLimit {
            submitWaiters.append(continuation)
        } else {
            continuation.resume()
        }
    }

    func drain(continuation: CheckedContinuation<Void, Never>) {
        if isFinished { return continuation.resume() }
        drainWaiters.append(continuation)
        if !isDraining {
            isDraining = true
            machine.drainRequested()
        }
        scheduleDispatch()
    }

    func outcomeDemandResumed() {
        outcomesFlowing = true
        scheduleDispatch()
    }

    // MARK: Routing

    func scheduleDispatch() {
        guard !dispatchScheduled else { return }
        dispatchScheduled = true
        loop.assumeIsolated().execute { [self] in
            dispatchScheduled = false
            dispatch()
        }
    }

    /// Opens streams for pending notifications on connections with room, one at a time round
    /// robin, so that load spreads over the connections.
    private func dispatch() {
        if outcomesFlowing && fatal == nil {
            var progress = true
            while progress && !pending.isEmpty {
                progress = false
                for _ in connections.indices where !pending.isEmpty {
                    cursor = (cursor + 1) % connections.count
                    guard let connection = connections[cursor], connection.room > 0 else { continue }
                    connection.send(pending.removeFirst())
                    progress = true
                }
            }
            for connection in connections { connection?.flush() }
        }
        if !pending.isEmpty && machine.liveConnectionCount < connections.count && fatal == nil {
            run(machine.workArrived())
        }
        if isDraining && pending.isEmpty {
            for connection in connections { connection?.drain() }
        }
        resumeSubmitters()
        flushOutcomes()
        finishIfDone()
    }

    private func resumeSubmitters() {
        while pending.count < configuration.pendingLimit / 2, let waiter = submitWaiters.popFirst() {
            waiter.resume()
        }
    }

    // MARK: Outcomes

    func record(_ pending: PendingHTTP2Notification, _ result: HTTP2Outcome.Result) {
        outcomes.append(HTTP2Outcome(tag: pending.notification.tag, result: result))
        switch result {
        case .accepted: statistics.accepted += 1
        case .rejected: statistics.rejected += 1
        case .retryLater: statistics.retryLater += 1
        case .failed: statistics.failed += 1
        }
    }

    func fail(_ pending: PendingHTTP2Notification, _ failure: GatewayFailure) {
        record(pending, .failed(failure))
    }

    func failAllPending(_ failure: GatewayFailure) {
        while let next = pending.popFirst() { fail(next, failure) }
    }

    /// Puts a notification back at the front of the queue (or fails it when the pool failed).
    func resend(_ notification: PendingHTTP2Notification) {
        if let fatal { return fail(notification, fatal) }
        pending.prepend(notification)
    }

    func flushOutcomes() {
        guard !outcomes.isEmpty else { return }
        let batch = outcomes
        outcomes = []
        if source.yield(batch) == .stopProducing { outcomesFlowing = false }
    }

    func finishIfDone() {
        guard !isFinished, isDraining || fatal != nil, pending.isEmpty,
            connections.allSatisfy({ $0 == nil }), machine.liveConnectionCount == 0 || fatal != nil
        else { return }
        isFinished = true
        flushOutcomes()
        source.finish()
        let closed = fatal ?? GatewayFailure(code: .poolClosed, message: "the pool was drained")
        while let waiter = submitWaiters.popFirst() { waiter.resume(throwing: closed) }
        for waiter in drainWaiters { waiter.resume() }
        drainWaiters = []
    }

    /// The app's credentials were refused: fail everything, close every connection, take no more.
    func failPool(_ failure: GatewayFailure) {
        guard fatal == nil else { return }
        fatal = failure
        failAllPending(failure)
        while let waiter = submitWaiters.popFirst() { waiter.resume(throwing: failure) }
        for connection in connections { connection?.closeNow() }
        flushOutcomes()
        finishIfDone()
    }
}

@available(*, unavailable)
extension HTTP2PoolExecutor: Sendable {}
