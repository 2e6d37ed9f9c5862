import NIOCore

/// The pool's view of one connection, confined to the pool's loop.
///
/// The connection itself (``GatewayConnectionHandler``) runs on its channel's loop, which may be
/// another loop of the group (so that the TLS handshakes and record encryption of a pool use every
/// core). The pool never calls the handler directly: it collects notifications for the connection
/// during a dispatch round and hands them over in one task with ``deliver()``; the connection's
/// reports come back through its ``GatewayConnectionRelay`` as tasks on the pool's loop, in the
/// order the connection made them.
///
/// The link mirrors what the pool needs to route work: whether the TLS handshake is done, whether
/// the socket could take more, and how much of the window is still free. The handler's
/// ``InFlightWindow`` stays the authority: anything it refuses comes back as a report and goes to
/// the front of the pool's queue again.
final class GatewayConnectionLink {
    let slot: Int
    /// Tells this connection's reports apart from those of an earlier connection of the slot.
    let generation: UInt64
    /// The loop the connection's channel runs on.
    let channelLoop: any EventLoop
    /// Notifications this connection carries before its probe.
    let windowCapacity: Int
    private let relay: NIOLoopBoundBox<GatewayConnectionRelay>
    var channel: (any Channel)?
    /// The TLS handshake completed.
    var isReady = false {
        didSet { if isReady { cancelHandshakeDeadline() } }
    }
    /// Closes the channel if the TLS handshake has not completed in time.
    var handshakeDeadline: Scheduled<Void>?
    /// Cleared when the connection handed work back because its socket buffer was full; set
    /// again when it reports that it is writable.
    var isWritable = true
    /// Cleared once the connection settled or refused work for good (probe written, closing).
    var takesNotifications = true
    /// Notifications handed over or collected, minus those handed back.
    private(set) var assigned = 0
    private var outgoing: [PendingNotification] = []
    private var drainSent = false

    init(
        slot: Int, generation: UInt64, channelLoop: any EventLoop, windowCapacity: Int,
        relay: NIOLoopBoundBox<GatewayConnectionRelay>
    ) {
        self.slot = slot
        self.generation = generation
        self.channelLoop = channelLoop
        self.windowCapacity = windowCapacity
        self.relay = relay
    }

    func cancelHandshakeDeadline() {
        handshakeDeadline?.cancel()
        handshakeDeadline = nil
    }

    /// How many more notifications the pool may give this connection now.
    var room: Int {
        isReady && isWritable && takesNotifications ? max(0, windowCapacity - assigned) : 0
    }

    /// Collects a notification for the next ``deliver()``. Only call when ``room`` is positive.
    func add(_ notification: PendingNotification) {
        outgoing.append(notification)
        assigned += 1
    }

    /// The connection handed `count` notifications back.
    func handedBack(_ count: Int) {
        assigned -= count
    }

    /// Hands the collected notifications to the connection, which writes and flushes them.
    func deliver() {
        guard !outgoing.isEmpty else { return }
        let chunk = outgoing
        outgoing = []
        channelLoop.execute { [relay] in relay.value.take(chunk) }
    }

    /// Asks the connection to prove what it carries with the probe and close (once it is ready;
    /// before that the request would find no channel to act on).
    func drain() {
        guard isReady, !drainSent else { return }
        drainSent = true
        channelLoop.execute { [relay] in relay.value.drain() }
    }
}

/// Lives on a connection's channel loop: delegate of its ``GatewayConnectionHandler``, it turns
/// every report into a task on the pool's loop, and feeds the handler the chunks the pool's
/// ``GatewayConnectionLink`` delivers. Values only cross the loops; neither side touches the
/// other's objects.
final class GatewayConnectionRelay: GatewayConnectionDelegate {
    let handler: GatewayConnectionHandler
    private let slot: Int
    private let generation: UInt64
    private let poolLoop: any EventLoop
    private let executor: NIOLoopBound<GatewayPoolExecutor>

    init(
        handler: GatewayConnectionHandler, generation: UInt64, poolLoop: any EventLoop,
        executor: NIOLoopBound<GatewayPoolExecutor>
    ) {
        self.handler = handler
        self.slot = handler.slot
        self.generation = generation
        self.poolLoop = poolLoop
        self.executor = executor
    }

    /// Offers a chunk to the connection; what it does not take goes back to the pool in order.
    func take(_ chunk: [PendingNotification]) {
        var taken = 0
        while true {
            while taken < chunk.count, handler.enqueue(chunk[taken]) { taken += 1 }
            handler.flush()
            // The flush may have drained the socket buffer (and reported "writable" already):
            // go on rather than hand back work the pool would then hold until the next report.
            guard taken < chunk.count, handler.acceptsNotifications else { break }
        }
        guard taken < chunk.count else { return }
        let rest = Array(chunk[taken...])
        let paused = handler.takesNotificationsWhenWritable
        report { $0.connection(slot: $1, $2, handedBack: rest, onlyUntilWritable: paused) }
    }

    func drain() {
        handler.drain()
    }

    // MARK: GatewayConnectionDelegate (on the channel's loop)

    func connectionBecameReady(_ connection: GatewayConnectionHandler) {
        report { $0.connectionReady(slot: $1, $2) }
    }

    func connectionBecameWritable(_ connection: GatewayConnectionHandler) {
        report { $0.connectionWritable(slot: $1, $2) }
    }

    func connection(
        _ connection: GatewayConnectionHandler, settled settlement: InFlightWindow.Settlement,
        notifications: [PendingNotification]
    ) {
        report { $0.connection(slot: $1, $2, settled: settlement, notifications: notifications) }
    }

    func connectionClosed(_ connection: GatewayConnectionHandler, error: (any Error)?) {
        let closedByPool = connection.closedByPool
        report { $0.connectionClosed(slot: $1, $2, error: error, closedByPool: closedByPool) }
    }

    /// Runs `body` on the pool's loop with the executor, this connection's slot and generation.
    private func report(
        _ body: @escaping @Sendable (GatewayPoolExecutor, Int, UInt64) -> Void
    ) {
        let (executor, slot, generation) = (self.executor, self.slot, self.generation)
        poolLoop.execute { body(executor.value, slot, generation) }
    }
}

@available(*, unavailable)
extension GatewayConnectionLink: Sendable {}

@available(*, unavailable)
extension GatewayConnectionRelay: Sendable {}
