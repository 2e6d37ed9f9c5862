import NIOCore
import NIOPosix
import NIOSSL

extension GatewayPoolExecutor {
    /// Executes the state machine's actions.
    func run(_ actions: [Machine.Action]) {
        for action in actions {
            switch action {
            case .connect(let slot):
                connect(slot: slot)
            case .scheduleReconnect(let slot, let deadline):
                let delay = ContinuousClock.now.duration(to: deadline)
                let nanoseconds = max(0, delay.components.seconds * 1_000_000_000 + delay.components.attoseconds / 1_000_000_000)
                loop.assumeIsolated().scheduleTask(in: .nanoseconds(nanoseconds)) { [self] in
                    run(machine.reconnectTimerFired(slot: slot, hasWork: !pending.isEmpty, now: .now))
                    finishIfDone()
                }
            case .failPending(let failure):
                unreachable = failure
                failAllPending(failure)
                flushOutcomes()
                finishIfDone()
            case .failPool(let failure):
                fatal = failure
                failAllPending(failure)
                while let waiter = submitWaiters.popFirst() { waiter.resume(throwing: failure) }
                for channel in channels { channel?.close(promise: nil) }
                flushOutcomes()
                finishIfDone()
            }
        }
    }

    private func connect(slot: Int) {
        var connectionConfiguration = configuration.connection
        connectionConfiguration.windowCapacity = windowSizing.current
        let handler = GatewayConnectionHandler(slot: slot, configuration: connectionConfiguration)
        handler.delegate = self
        connections[slot] = handler
        proven[slot] = false
        let boundHandler = NIOLoopBound(handler, eventLoop: loop)
        let tlsContext = self.tlsContext
        let serverHostname = GatewayTLS.serverName(host: configuration.host, serverHostname: configuration.serverHostname)
        ClientBootstrap(group: loop)
            .connectTimeout(configuration.connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let tls = try NIOSSLClientHandler(context: tlsContext, serverHostname: serverHostname)
                    try channel.pipeline.syncOperations.addHandlers(
                        tls, ByteToMessageHandler(ErrorResponseDecoder()), boundHandler.value)
                }
            }
            .connect(host: configuration.host, port: configuration.port)
            .hop(to: loop)
            .assumeIsolated()
            .whenComplete { [self] result in
                guard connections[slot] === handler else {
                    if case .success(let channel) = result { channel.close(promise: nil) }
                    return
                }
                switch result {
                case .success(let channel):
                    channels[slot] = channel
                    if fatal != nil { channel.close(promise: nil) }
                    // The TLS handshake gets the same deadline as the TCP connect.
                    loop.assumeIsolated().scheduleTask(in: configuration.connectTimeout) {
                        if !handler.isReady && channel.isActive { channel.close(promise: nil) }
                    }
                case .failure(let error):
                    connections[slot] = nil
                    statistics.connectionFailures += 1
                    let end = Self.classify(error, closedByPool: false)
                    run(machine.connectionEnded(slot: slot, end, hasWork: !pending.isEmpty, now: .now))
                    scheduleDispatch()
                }
            }
    }

    /// Sorts the first error of a connection that ended without protocol evidence.
    static func classify(_ error: (any Error)?, closedByPool: Bool) -> Machine.ConnectionEnd {
        guard let error else {
            return closedByPool ? .retired : .failed(reason: "the gateway closed the connection without an error response")
        }
        if let certificate = GatewayFailure.certificateFailure(from: error, peer: "gateway") {
            return certificate.code == .clientCertificateRejected
                ? .clientCertificateRejected(reason: certificate.message)
                : .gatewayCertificateUntrusted(reason: certificate.message)
        }
        return .failed(reason: String(describing: error))
    }
}
