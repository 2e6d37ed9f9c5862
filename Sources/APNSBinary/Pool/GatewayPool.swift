import NIOCore
import NIOSSL

/// N mutual-TLS connections to one binary gateway (one app and environment), fed from one queue.
///
/// ```swift
/// let pool = GatewayPool(configuration: .init(host: "gateway.example", port: 2195),
///                        tlsContext: context, eventLoop: group.next())
/// pool.start()
/// async let recorder: Void = { for await batch in pool.outcomes { record(batch) } }()
/// try await pool.submit(notifications)   // suspends while the pool is saturated
/// await pool.drain()                     // on SIGTERM: prove everything in flight, then close
/// ```
///
/// Every submitted notification gets exactly one ``GatewayOutcome`` on ``outcomes``: accepted,
/// rejected with a status, or failed. See the APNSBinary documentation ("Delivery semantics") for
/// what each means and when a duplicate is possible.
///
/// The pool's state lives on one event loop; calls may come from anywhere. Its connections run on
/// that loop too (``init(configuration:tlsContext:eventLoop:)``) or are spread over every loop of
/// a group (``init(configuration:tlsContext:group:)``), so that TLS handshakes — one per rejected
/// notification with the binary protocol — and record encryption use every core.
public final class GatewayPool: Sendable {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        /// The name the gateway's certificate must carry; defaults to `host`.
        public var serverHostname: String?
        /// Connections, reconnect back-off, and when the gateway counts as unreachable.
        public var machine: GatewayPoolStateMachine<ContinuousClock.Instant>.Configuration
        /// The most notifications a connection carries before the probe proves them and the
        /// connection is replaced. Bounds the memory each connection holds. The pool adapts the
        /// actual window between ``minimumWindowCapacity`` and this (see ``WindowSizing``).
        public var windowCapacity: Int
        /// The smallest window the pool shrinks to when rejections are frequent.
        public var minimumWindowCapacity: Int
        /// Probe a connection that has unconfirmed notifications and wrote nothing for this long.
        public var idleProbeDelay: TimeAmount
        /// Give up on a connection whose probe is not answered in this time.
        public var probeTimeout: TimeAmount
        /// Deadline for the TCP connect, and again for the TLS handshake.
        public var connectTimeout: TimeAmount
        /// A notification that was on this many connections that each ended without an answer
        /// fails with ``GatewayFailure/Code/connectionLost``.
        public var maxUnprovenAttempts: Int
        /// ``GatewayPool/submit(_:)`` suspends while this many notifications wait to be written.
        public var pendingLimit: Int
        /// Notifications handed to one connection before the next gets its turn.
        public var dispatchChunk: Int

        public init(
            host: String, port: Int, serverHostname: String? = nil, connectionCount: Int = 4,
            windowCapacity: Int = 32_768, minimumWindowCapacity: Int = 64, idleProbeDelay: TimeAmount = .milliseconds(200),
            probeTimeout: TimeAmount = .seconds(10), connectTimeout: TimeAmount = .seconds(10),
            maxUnprovenAttempts: Int = 4, pendingLimit: Int = 65_536, dispatchChunk: Int = 512,
            backoff: BackoffPolicy = .init(), unreachableAfterFailures: Int = 6
        ) {
            self.host = host
            self.port = port
            self.serverHostname = serverHostname
            self.machine = .init(
                connectionCount: connectionCount, backoff: backoff, unreachableAfterFailures: unreachableAfterFailures)
            self.windowCapacity = windowCapacity
            self.minimumWindowCapacity = minimumWindowCapacity
            self.idleProbeDelay = idleProbeDelay
            self.probeTimeout = probeTimeout
            self.connectTimeout = connectTimeout
            self.maxUnprovenAttempts = maxUnprovenAttempts
            self.pendingLimit = pendingLimit
            self.dispatchChunk = dispatchChunk
        }

        var connection: GatewayConnectionHandler.Configuration {
            .init(windowCapacity: windowCapacity, idleProbeDelay: idleProbeDelay, probeTimeout: probeTimeout)
        }
    }

    public let eventLoop: any EventLoop
    /// Settled outcomes in batches; iterate it from one task.
    public let outcomes: GatewayOutcomes
    private let executor: NIOLoopBoundBox<GatewayPoolExecutor?>

    /// A pool whose connections all run on `eventLoop`, with its state.
    ///
    /// - Parameters:
    ///   - tlsContext: the client identity and trust roots (build it once; it is expensive).
    ///   - eventLoop: the loop of the pool and every connection of it.
    public convenience init(configuration: Configuration, tlsContext: NIOSSLContext, eventLoop: any EventLoop) {
        self.init(configuration: configuration, tlsContext: tlsContext, eventLoop: eventLoop, connectionLoops: [eventLoop])
    }

    /// A pool whose state lives on one loop of `group` (``eventLoop``, from `group.next()`) and
    /// whose connections are spread over all the group's loops: connection slot `i` runs on the
    /// group's `i % n`-th loop. Its connections' reports hop to ``eventLoop``; nothing else changes.
    ///
    /// - Parameters:
    ///   - tlsContext: the client identity and trust roots (build it once; it is expensive).
    ///   - group: the loops to spread the connections over (typically one per core).
    public convenience init(configuration: Configuration, tlsContext: NIOSSLContext, group: any EventLoopGroup) {
        let loops = Array(group.makeIterator())
        self.init(
            configuration: configuration, tlsContext: tlsContext, eventLoop: group.next(),
            connectionLoops: loops.isEmpty ? [group.next()] : loops)
    }

    init(configuration: Configuration, tlsContext: NIOSSLContext, eventLoop: any EventLoop, connectionLoops: [any EventLoop]) {
        self.eventLoop = eventLoop
        let box = NIOLoopBoundBox<GatewayPoolExecutor?>.makeEmptyBox(eventLoop: eventLoop)
        let sequence = GatewayOutcomes.Producer.makeSequence(
            backPressureStrategy: .init(lowWatermark: 4, highWatermark: 16),
            finishOnDeinit: false,
            delegate: OutcomeDemand { [box] in
                eventLoop.execute { box.value?.outcomeDemandResumed() }
            })
        self.outcomes = GatewayOutcomes(producer: sequence.sequence)
        self.executor = box
        let source = sequence.source
        eventLoop.execute {
            box.value = GatewayPoolExecutor(
                configuration: configuration, tlsContext: tlsContext, loop: eventLoop,
                connectionLoops: connectionLoops, source: source)
        }
    }

    /// Opens the connections.
    public func start() {
        eventLoop.execute { [executor] in executor.value!.start() }
    }

    /// Queues notifications for sending. Returns once they are queued; suspends while the pool
    /// already holds ``Configuration/pendingLimit`` unwritten notifications.
    ///
    /// - Throws: the pool's fatal ``GatewayFailure`` (certificate problems), or `poolClosed` after
    ///   ``drain()``. When it throws, none of `notifications` was taken.
    public func submit(_ notifications: [GatewayNotification]) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            eventLoop.execute { [executor] in
                executor.value!.submit(notifications, continuation: continuation)
            }
        }
    }

    /// Stops taking notifications, sends what is queued, proves every connection's notifications
    /// with the probe, and closes. Returns when every submitted notification has its outcome
    /// (``outcomes`` then ends).
    public func drain() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            eventLoop.execute { [executor] in executor.value!.drain(continuation: continuation) }
        }
    }

    /// The pool's counters at this moment.
    public func statistics() async -> GatewayPoolStatistics {
        await withCheckedContinuation { continuation in
            eventLoop.execute { [executor] in continuation.resume(returning: executor.value!.statistics) }
        }
    }

    /// Completed TLS handshakes by the loop their connection ran on.
    func handshakesByLoop() async -> [ObjectIdentifier: Int] {
        await withCheckedContinuation { continuation in
            eventLoop.execute { [executor] in continuation.resume(returning: executor.value!.handshakesByLoop) }
        }
    }
}
