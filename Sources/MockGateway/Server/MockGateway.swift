import NIOCore
import NIOPosix
import NIOSSL

/// An in-process stand-in for APNs' binary gateway (port 2195), feedback service (2196) and,
/// when configured, HTTP/2 provider API, over TLS (mutual for the binary services), with fault
/// injection, counters and a ledger of what it accepted.
///
/// ```swift
/// let pki = try GatewayPKI()
/// let gateway = try await MockGateway.start(MockGatewayConfiguration(tls: try pki.serverTLS()))
/// // connect to 127.0.0.1:\(gateway.gatewayPort) with pki.client …
/// try await gateway.stop()
/// ```
public final class MockGateway: Sendable {
    /// The port the binary gateway is bound to.
    public let gatewayPort: Int
    /// The port the feedback service is bound to, if it runs.
    public let feedbackPort: Int?
    /// The port the HTTP/2 provider API is bound to, if it runs.
    public let http2Port: Int?
    public let configuration: MockGatewayConfiguration

    private let gatewayChannel: any Channel
    private let feedbackChannel: (any Channel)?
    private let http2Channel: (any Channel)?
    private let recorder: GatewayRecorder
    private let pause: ReadingPause?

    private init(
        configuration: MockGatewayConfiguration,
        gatewayChannel: any Channel,
        feedbackChannel: (any Channel)?,
        http2Channel: (any Channel)?,
        recorder: GatewayRecorder,
        pause: ReadingPause?
    ) {
        self.configuration = configuration
        self.gatewayChannel = gatewayChannel
        self.feedbackChannel = feedbackChannel
        self.http2Channel = http2Channel
        self.recorder = recorder
        self.pause = pause
        self.gatewayPort = gatewayChannel.localAddress?.port ?? configuration.gatewayPort
        self.feedbackPort = feedbackChannel.map { $0.localAddress?.port ?? 0 }
        self.http2Port = http2Channel.map { $0.localAddress?.port ?? 0 }
    }

    /// Binds every configured service and returns once they accept connections.
    public static func start(
        _ configuration: MockGatewayConfiguration,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> MockGateway {
        let context = try configuration.tls.makeContext()
        let ledger = try configuration.ledgerPath.map { try GatewayLedger(path: $0) }
        let recorder = GatewayRecorder(ledger: ledger, faults: configuration.faults)
        let pause = configuration.faults.stopReadingAfter.map { threshold in
            ReadingPause(threshold: threshold, resumeAfter: configuration.faults.resumeReadingAfter) {
                recorder.statistics.accepted
            }
        }

        let gatewayChannel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try installGatewayPipeline(
                        on: channel, context: context, recorder: recorder, pause: pause, configuration: configuration)
                }
            }
            .bind(host: configuration.host, port: configuration.gatewayPort)
            .get()

        var feedbackChannel: (any Channel)?
        if let feedbackPort = configuration.feedbackPort {
            let store = FeedbackStore(plan: configuration.feedback)
            do {
                feedbackChannel = try await ServerBootstrap(group: group)
                    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                    .childChannelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            recorder.feedbackConnectionOpened(channel)
                            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
                            try channel.pipeline.syncOperations.addHandler(
                                FeedbackServiceHandler(store: store, recorder: recorder))
                        }
                    }
                    .bind(host: configuration.host, port: feedbackPort)
                    .get()
            } catch {
                try? await gatewayChannel.close()
                throw error
            }
        }
        var http2Channel: (any Channel)?
        if let http2 = configuration.http2 {
            do {
                http2Channel = try await bindHTTP2(http2, configuration: configuration, recorder: recorder, group: group)
            } catch {
                try? await gatewayChannel.close()
                if let feedbackChannel { try? await feedbackChannel.close() }
                throw error
            }
        }
        return MockGateway(
            configuration: configuration,
            gatewayChannel: gatewayChannel,
            feedbackChannel: feedbackChannel,
            http2Channel: http2Channel,
            recorder: recorder,
            pause: pause
        )
    }

    private static func installGatewayPipeline(
        on channel: any Channel,
        context: NIOSSLContext,
        recorder: GatewayRecorder,
        pause: ReadingPause?,
        configuration: MockGatewayConfiguration
    ) throws {
        guard let connection = recorder.admit(channel) else {
            throw ConnectionLimitReached()
        }
        channel.closeFuture.whenComplete { _ in recorder.connectionClosed(channel) }
        let pipeline = channel.pipeline.syncOperations
        if let pause {
            try pipeline.addHandler(ReadPauseHandler(pause: pause))
        }
        if let latency = configuration.faults.readLatency {
            try pipeline.addHandler(ReadLatencyHandler(latency: latency))
        }
        try pipeline.addHandler(NIOSSLServerHandler(context: context))
        try pipeline.addHandler(
            BinaryGatewayHandler(
                connection: connection,
                recorder: recorder,
                rules: configuration.rules,
                faults: configuration.faults,
                lingerAfterError: configuration.lingerAfterError,
                tracksDuplicates: configuration.tracksDuplicates
            )
        )
    }

    /// The counters right now.
    public func statistics() -> GatewayStatistics {
        recorder.statistics
    }

    /// Whether the `stopReadingAfter` fault holds every connection's reads right now.
    public var isReadingStopped: Bool {
        pause?.isStopped ?? false
    }

    /// Writes pending ledger lines to the file. Lines of batches already handed over by the
    /// connections are included — in particular everything accepted before an error response or
    /// close a client has observed.
    public func flushLedger() throws {
        try recorder.ledger?.flush()
    }

    /// Stops listening, closes every open connection and flushes the ledger.
    public func stop() async throws {
        try? await gatewayChannel.close()
        if let feedbackChannel { try? await feedbackChannel.close() }
        if let http2Channel { try? await http2Channel.close() }
        for channel in recorder.openChannels {
            try? await channel.close()
        }
        try flushLedger()
    }
}

/// The connection limit of the fault plan was reached; the new connection is closed at once.
struct ConnectionLimitReached: Error {}
