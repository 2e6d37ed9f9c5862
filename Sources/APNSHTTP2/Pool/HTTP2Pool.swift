import APNSBinary
import NIOCore
import NIOSSL

/// N HTTP/2 connections to APNs for one app (one team or certificate, one environment), fed from
/// one queue. Shaped like ``APNSBinary/GatewayPool`` so the worker can use either:
///
/// ```swift
/// let pool = HTTP2Pool(configuration: .init(host: "api.push.apple.com", port: 443),
///                      tlsContext: context, authentication: .token(source), eventLoop: group.next())
/// pool.start()
/// async let recorder: Void = { for await batch in pool.outcomes { record(batch) } }()
/// try await pool.submit(notifications)   // suspends while the pool is saturated
/// await pool.drain()                     // on SIGTERM: finish the open streams, then close
/// ```
///
/// Every submitted notification gets exactly one ``HTTP2Outcome``. APNs answers each request, so
/// unlike the binary protocol nothing is inferred: accepted means a 200. A stream APNs did not
/// process (refused, or above a GOAWAY's last-stream-id) is sent again on another connection at
/// no cost; a stream lost after it may have been processed is sent again up to
/// ``Configuration/maxLostAttempts`` times (a possible duplicate, counted in the statistics).
///
/// The pool and its connections live on one event loop; calls may come from anywhere.
public final class HTTP2Pool: Sendable {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        /// The name the gateway's certificate must carry (and `:authority`); defaults to `host`.
        public var serverHostname: String?
        /// Connections, reconnect back-off, and when the gateway counts as unreachable.
        public var machine: GatewayPoolStateMachine<ContinuousClock.Instant>.Configuration
        /// Streams before the first SETTINGS and our own cap per connection.
        public var connection: HTTP2ConnectionStateMachine.Configuration
        /// A connection without stream activity for this long sends a PING; one unanswered for
        /// as long again closes it.
        public var pingInterval: TimeAmount
        /// Deadline for the TCP connect, and again for the TLS handshake.
        public var connectTimeout: TimeAmount
        /// A notification whose stream was lost this many times fails with
        /// ``GatewayFailure/Code/connectionLost``.
        public var maxLostAttempts: Int
        /// A notification that met `ExpiredProviderToken` this many times is handed back as
        /// ``HTTP2Outcome/Result/retryLater(_:)``.
        public var maxTokenRenewals: Int
        /// ``HTTP2Pool/submit(_:)`` suspends while this many notifications wait for a stream.
        public var pendingLimit: Int

        public init(
            host: String, port: Int, serverHostname: String? = nil, connectionCount: Int = 2,
            connection: HTTP2ConnectionStateMachine.Configuration = .init(), pingInterval: TimeAmount = .seconds(60),
            connectTimeout: TimeAmount = .seconds(10), maxLostAttempts: Int = 4, maxTokenRenewals: Int = 2,
            pendingLimit: Int = 16_384, backoff: BackoffPolicy = .init(), unreachableAfterFailures: Int = 6
        ) {
            self.host = host
            self.port = port
            self.serverHostname = serverHostname
            self.machine = .init(
                connectionCount: connectionCount, backoff: backoff, unreachableAfterFailures: unreachableAfterFailures)
            self.connection = connection
            self.pingInterval = pingInterval
            self.connectTimeout = connectTimeout
            self.maxLostAttempts = maxLostAttempts
            self.maxTokenRenewals = maxTokenRenewals
            self.pendingLimit = pendingLimit
        }
    }

    public let eventLoop: any EventLoop
    /// Settled outcomes in batches; iterate it from one task.
    public let outcomes: HTTP2Outcomes
    private let executor: NIOLoopBoundBox<HTTP2PoolExecutor?>

    /// - Parameters:
    ///   - tlsContext: from ``HTTP2TLS/makeClientContext(identity:trust:environment:)`` (ALPN h2).
    ///   - authentication: `.certificate` when `tlsContext` presents the provider certificate,
    ///     `.token(source)` for provider tokens.
    ///   - eventLoop: the loop of the pool and every connection of it.
    public init(
        configuration: Configuration, tlsContext: NIOSSLContext, authentication: HTTP2Authentication,
        eventLoop: any EventLoop
    ) {
        self.eventLoop = eventLoop
        let box = NIOLoopBoundBox<HTTP2PoolExecutor?>.makeEmptyBox(eventLoop: eventLoop)
        let sequence = HTTP2Outcomes.Producer.makeSequence(
            backPressureStrategy: .init(lowWatermark: 4, highWatermark: 16),
            finishOnDeinit: false,
            delegate: HTTP2OutcomeDemand { [box] in
                eventLoop.execute { box.value?.outcomeDemandResumed() }
            })
        self.outcomes = HTTP2Outcomes(producer: sequence.sequence)
        self.executor = box
        let source = sequence.source
        eventLoop.execute {
            box.value = HTTP2PoolExecutor(
                configuration: configuration, tlsContext: tlsContext, authentication: authentication,
                loop: eventLoop, source: source)
        }
    }

    /// Opens the connections.
    public func start() {
        eventLoop.execute { [executor] in executor.value!.start() }
    }

    /// Queues notifications for sending. Returns once they are queued; suspends while the pool
    /// already holds ``Configuration/pendingLimit`` notifications without a stream.
    ///
    /// - Throws: the pool's fatal ``GatewayFailure`` (credentials rejected), or `poolClosed` after
    ///   ``drain()``. When it throws, none of `notifications` was taken.
    public func submit(_ notifications: [HTTP2Notification]) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            eventLoop.execute { [executor] in
                executor.value!.submit(notifications, continuation: continuation)
            }
        }
    }

    /// Stops taking notifications, sends what is queued, lets every open stream finish, and
    /// closes. Returns when every submitted notification has its outcome (``outcomes`` then ends).
    public func drain() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            eventLoop.execute { [executor] in executor.value!.drain(continuation: continuation) }
        }
    }

    /// The pool's counters at this moment.
    public func statistics() async -> HTTP2PoolStatistics {
        await withCheckedContinuation { continuation in
            eventLoop.execute { [executor] in continuation.resume(returning: executor.value!.statistics) }
        }
    }
}
