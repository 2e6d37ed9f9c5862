import NIOCore
import NIOSSL

/// The pool's I/O side, confined to the pool's event loop: holds the pending queue and one
/// ``GatewayConnectionLink`` per slot, routes notifications to connections with room, turns
/// settlements into outcomes and resends, and executes the ``GatewayPoolStateMachine``'s actions.
/// Connections may run on other loops (``connectionLoops``); everything they report arrives here as
/// a task on this loop, so none of this needs a lock.
final class GatewayPoolExecutor {
    typealias Machine = GatewayPoolStateMachine<ContinuousClock.Instant>
    typealias Source = GatewayOutcomes.Producer.Source

    let loop: any EventLoop
    /// Slot `i` connects on `connectionLoops[i % connectionLoops.count]`.
    let connectionLoops: [any EventLoop]
    let configuration: GatewayPool.Configuration
    let tlsContext: NIOSSLContext
    var machine: Machine
    let source: Source

    var links: [GatewayConnectionLink?]
    var nextGeneration: UInt64 = 1
    /// Whether the current connection of a slot got protocol evidence (error response / probe answer).
    var proven: [Bool]
    /// How many notifications the next connection carries before its probe.
    var windowSizing: WindowSizing
    var pending = CircularBuffer<PendingNotification>(initialCapacity: 1024)
    var outcomes: [GatewayOutcome] = []
    var statistics = GatewayPoolStatistics()
    /// Completed TLS handshakes by the loop their connection ran on (for tests).
    var handshakesByLoop: [ObjectIdentifier: Int] = [:]
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
        configuration: GatewayPool.Configuration, tlsContext: NIOSSLContext, loop: any EventLoop,
        connectionLoops: [any EventLoop], source: Source
    ) {
        precondition(!connectionLoops.isEmpty)
        self.loop = loop
        self.connectionLoops = connectionLoops
        self.configuration = configuration
        self.tlsContext = tlsContext
        self.source = source
        self.machine = Machine(configuration: configuration.machine, seed: UInt64.random(in: 0...UInt64.max))
        self.links = Array(repeating: nil, count: configuration.machine.connectionCount)
        self.proven = Array(repeating: false, count: configuration.machine.connectionCount)
        self.windowSizing = WindowSizing(
            minimum: min(configuration.minimumWindowCapacity, configuration.windowCapacity),
            initial: min(1_024, configuration.windowCapacity), maximum: configuration.windowCapacity)
    }

    /// The current link of `slot` if it is the connection of `generation`.
    func link(slot: Int, _ generation: UInt64) -> GatewayConnectionLink? {
        guard let link = links[slot], link.generation == generation else { return nil }
        return link
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

    /// Hands pending notifications to connections with room in chunks, round robin; each
    /// connection then gets its share in one task, written and flushed there.
    private func dispatch() {
        if outcomesFlowing && !pending.isEmpty {
            var progress = true
            while progress && !pending.isEmpty {
                progress = false
                for _ in links.indices where !pending.isEmpty {
                    cursor = (cursor + 1) % links.count
                    guard let link = links[cursor] else { continue }
                    let share = min(configuration.dispatchChunk, link.room)
                    var taken = 0
                    while taken < share, let next = pending.popFirst() {
                        link.add(next)
                        taken += 1
                    }
                    if taken > 0 { progress = true }
                }
            }
            for link in links { link?.deliver() }
        }
        if !pending.isEmpty && machine.liveConnectionCount < links.count {
            run(machine.workArrived())
        }
        if isDraining && pending.isEmpty {
            for link in links { link?.drain() }
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
            links.allSatisfy({ $0 == nil }), machine.liveConnectionCount == 0
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

// MARK: - Reports from connections (relayed to this loop by GatewayConnectionRelay)

extension GatewayPoolExecutor {
    func connectionReady(slot: Int, _ generation: UInt64) {
        guard let link = link(slot: slot, generation) else { return }
        link.isReady = true
        statistics.connectionsEstablished += 1
        handshakesByLoop[ObjectIdentifier(link.channelLoop), default: 0] += 1
        machine.connectionReady(slot: slot)
        if !machine.isUnreachable { unreachable = nil }
        scheduleDispatch()
    }

    func connectionWritable(slot: Int, _ generation: UInt64) {
        guard let link = link(slot: slot, generation) else { return }
        link.isWritable = true
        scheduleDispatch()
    }

    /// The connection did not take the end of a chunk: its socket buffer is full
    /// (`onlyUntilWritable`), or it settled or wrote its probe meanwhile. The notifications go to
    /// the front of the queue in order; they were never written, so this is no resend.
    func connection(slot: Int, _ generation: UInt64, handedBack notifications: [PendingNotification], onlyUntilWritable: Bool) {
        if let link = link(slot: slot, generation) {
            link.handedBack(notifications.count)
            if onlyUntilWritable { link.isWritable = false } else { link.takesNotifications = false }
        }
        for notification in notifications.reversed() {
            if let fatal { fail(notification, fatal) } else { pending.prepend(notification) }
        }
        flushOutcomes()
        scheduleDispatch()
    }

    func connection(
        slot: Int, _ generation: UInt64, settled settlement: InFlightWindow.Settlement,
        notifications: [PendingNotification]
    ) {
        let link = link(slot: slot, generation)
        link?.takesNotifications = false
        let unproven: Bool
        switch settlement.cause {
        case .rejected:
            if link != nil { proven[slot] = true }
            unproven = false
            windowSizing.rejected(afterAccepting: settlement.accepted.count)
        case .shutdown, .probeAnswered:
            if link != nil { proven[slot] = true }
            unproven = false
            if settlement.cause == .probeAnswered { statistics.probesAnswered += 1 }
            windowSizing.provedWithoutRejection(
                accepted: settlement.accepted.count, capacity: link?.windowCapacity ?? settlement.accepted.count)
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

    func connectionClosed(slot: Int, _ generation: UInt64, error: (any Error)?, closedByPool: Bool) {
        guard let link = link(slot: slot, generation) else { return }
        link.cancelHandshakeDeadline()
        links[slot] = nil
        let end: Machine.ConnectionEnd = proven[slot] ? .settledByGateway : Self.classify(error, closedByPool: closedByPool)
        if case .failed = end { statistics.connectionFailures += 1 }
        run(machine.connectionEnded(slot: slot, end, hasWork: !pending.isEmpty, now: .now))
        scheduleDispatch()
    }
}

@available(*, unavailable)
extension GatewayPoolExecutor: Sendable {}
