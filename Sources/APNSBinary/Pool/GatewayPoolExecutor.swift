import NIOCore
import NIOSSL

/// The pool's I/O side, confined to one event loop: holds the pending queue and the connections,
/// routes notifications to writable connections, turns settlements into outcomes and resends, and
/// executes the ``GatewayPoolStateMachine``'s actions. All connections of a pool share its loop, so
/// none of this needs a lock.
final class GatewayPoolExecutor {
    typealias Machine = GatewayPoolStateMachine<ContinuousClock.Instant>
    typealias Source = GatewayOutcomes.Producer.Source

    let loop: any EventLoop
    let configuration: GatewayPool.Configuration
    let tlsContext: NIOSSLContext
    var machine: Machine
    let source: Source

    var connections: [GatewayConnectionHandler?]
    var channels: [(any Channel)?]
    /// Whether the current connection of a slot got protocol evidence (error response / probe answer).
    var proven: [Bool]
    /// How many notifications the next connection carries before its probe.
    var windowSizing: WindowSizing
    var pending = CircularBuffer<PendingNotification>(initialCapacity: 1024)
    var outcomes: [GatewayOutcome] = []
    var statistics = GatewayPoolStatistics()
    var submitWaiters = CircularBuffer<CheckedContinuation<Void, any Error>>()
    var drainWaiters: [CheckedContinuation<Void, Never>] = []
    var dispatchScheduled = false
    var outcomesFlowing = true
    var isDraining = false
    var isFinished = false
    var unreachable: GatewayFailure?
    var fatal: GatewayFailure?
    private var cursor = 0

    init(configuration: GatewayPool.Configuration, tlsContext: NIOSSLContext, loop: any EventLoop, source: Source) {
        self.loop = loop
        self.configuration = configuration
        self.tlsContext = tlsContext
        self.source = source
        self.machine = Machine(configuration: configuration.machine, seed: UInt64.random(in: 0...UInt64.max))
        self.connections = Array(repeating: nil, count: configuration.machine.connectionCount)
        self.channels = Array(repeating: nil, count: configuration.machine.connectionCount)
        self.proven = Array(repeating: false, count: configuration.machine.connectionCount)
        self.windowSizing = WindowSizing(
            minimum: min(configuration.minimumWindowCapacity, configuration.windowCapacity),
            initial: min(1_024, configuration.windowCapacity), maximum: configuration.windowCapacity)
    }

    // MARK: Calls from GatewayPool (on the loop)

    func start() {
        run(machine.start())
    }

    func submit(_ notifications: [GatewayNotification], continuation: CheckedContinuation<Void, any Error>) {
        if let fatal { return continuation.resume(throwing: fatal) }
        if isDraining || isFinished {
            return continuation.resume(throwing: GatewayFailure(code: .poolClosed, message: "the pool is draining or closed"))
        }
        if let unreachable {
            for notification in notifications { fail(PendingNotification(notification: notification), unreachable) }
            flushOutcomes()
            return continuation.resume()
        }
        for notification in notifications { pending.append(PendingNotification(notification: notification)) }
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

    /// Hands pending notifications to writable connections in chunks, round robin, then flushes.
    private func dispatch() {
        if outcomesFlowing && !pending.isEmpty {
            var touched = [Bool](repeating: false, count: connections.count)
            var progress = true
            while progress && !pending.isEmpty {
                progress = false
                for _ in connections.indices where !pending.isEmpty {
                    cursor = (cursor + 1) % connections.count
                    guard let connection = connections[cursor], connection.acceptsNotifications else { continue }
                    var taken = 0
                    // Pop before offering: a write can close the channel re-entrantly, and the
                    // settlement then puts handed-back notifications at the front of `pending`.
                    while taken < configuration.dispatchChunk, let next = pending.popFirst() {
                        guard connection.enqueue(next) else {
                            pending.prepend(next)
                            break
                        }
                        taken += 1
                    }
                    if taken > 0 {
                        progress = true
                        touched[cursor] = true
                    }
                }
            }
            for index in connections.indices where touched[index] { connections[index]?.flush() }
        }
        if !pending.isEmpty && machine.liveConnectionCount < connections.count {
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

    func fail(_ notification: PendingNotification, _ failure: GatewayFailure) {
        outcomes.append(GatewayOutcome(tag: notification.notification.tag, result: .failed(failure)))
        statistics.failed += 1
    }

    func failAllPending(_ failure: GatewayFailure) {
        while let next = pending.popFirst() { fail(next, failure) }
    }

    func flushOutcomes() {
        guard !outcomes.isEmpty else { return }
        let batch = outcomes
        outcomes = []
        outcomes.reserveCapacity(batch.count)
        if source.yield(batch) == .stopProducing { outcomesFlowing = false }
    }

    func finishIfDone() {
        guard !isFinished, isDraining || fatal != nil, pending.isEmpty,
            connections.allSatisfy({ $0 == nil }), machine.liveConnectionCount == 0
        else { return }
        isFinished = true
        flushOutcomes()
        source.finish()
        let closed = fatal ?? GatewayFailure(code: .poolClosed, message: "the pool was drained")
        while let waiter = submitWaiters.popFirst() { waiter.resume(throwing: closed) }
        for waiter in drainWaiters { waiter.resume() }
        drainWaiters = []
    }
}

// MARK: - Settlements from connections

extension GatewayPoolExecutor: GatewayConnectionDelegate {
    func connectionBecameReady(_ connection: GatewayConnectionHandler) {
        guard connections[connection.slot] === connection else { return }
        statistics.connectionsEstablished += 1
        machine.connectionReady(slot: connection.slot)
        if !machine.isUnreachable { unreachable = nil }
        scheduleDispatch()
    }

    func connectionBecameWritable(_ connection: GatewayConnectionHandler) {
        scheduleDispatch()
    }

    func connection(
        _ connection: GatewayConnectionHandler, settled settlement: InFlightWindow.Settlement,
        notifications: [PendingNotification]
    ) {
        let unproven: Bool
        switch settlement.cause {
        case .rejected:
            proven[connection.slot] = true
            unproven = false
            windowSizing.rejected(afterAccepting: settlement.accepted.count)
        case .shutdown, .probeAnswered:
            proven[connection.slot] = true
            unproven = false
            if settlement.cause == .probeAnswered { statistics.probesAnswered += 1 }
            windowSizing.provedWithoutRejection(accepted: settlement.accepted.count, capacity: connection.windowCapacity)
        case .unknownIdentifier, .closedWithoutResponse:
            unproven = true
        }
        for id in settlement.accepted {
            outcomes.append(GatewayOutcome(tag: notifications[Int(id) - 1].notification.tag, result: .accepted))
        }
        statistics.accepted += settlement.accepted.count
        if let (id, status) = settlement.rejected {
            outcomes.append(GatewayOutcome(tag: notifications[Int(id) - 1].notification.tag, result: .rejected(status)))
            statistics.rejected += 1
        }
        switch settlement.cause {
        case .rejected: statistics.resentAfterRejection += settlement.resend.count
        case .shutdown: statistics.resentAfterShutdown += settlement.resend.count
        default: statistics.resentUnproven += settlement.resend.count
        }
        // Prepend in reverse so the handed-back notifications keep their order at the front.
        for id in settlement.resend.reversed() {
            var notification = notifications[Int(id) - 1]
            if let fatal {
                fail(notification, fatal)
                continue
            }
            if unproven {
                notification.unprovenAttempts += 1
                if Int(notification.unprovenAttempts) >= configuration.maxUnprovenAttempts {
                    fail(notification, GatewayFailure(
                        code: .connectionLost,
                        message: "\(notification.unprovenAttempts) connections ended without an answer while this notification was in flight"))
                    continue
                }
            }
            pending.prepend(notification)
        }
        flushOutcomes()
        scheduleDispatch()
    }

    func connectionClosed(_ connection: GatewayConnectionHandler, error: (any Error)?) {
        let slot = connection.slot
        guard connections[slot] === connection else { return }
        connections[slot] = nil
        channels[slot] = nil
        let end: Machine.ConnectionEnd = proven[slot] ? .settledByGateway : Self.classify(error, closedByPool: connection.closedByPool)
        if case .failed = end { statistics.connectionFailures += 1 }
        run(machine.connectionEnded(slot: slot, end, hasWork: !pending.isEmpty, now: .now))
        scheduleDispatch()
    }
}

@available(*, unavailable)
extension GatewayPoolExecutor: Sendable {}
