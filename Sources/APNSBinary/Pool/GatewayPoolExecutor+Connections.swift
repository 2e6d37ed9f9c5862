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
                for link in links { link?.channel?.close(promise: nil) }
                flushOutcomes()
                finishIfDone()
            }
        }
    }

    /// Opens a connection for `slot` on the slot's loop. The handler and its relay are made here
    /// and sent to that loop; from then on only the link (here) and the relay (there) talk.
    private func connect(slot: Int) {
        var connectionConfiguration = configuration.connection
        connectionConfiguration.windowCapacity = windowSizing.current
        let generation = nextGeneration
        nextGeneration += 1
        let channelLoop = connectionLoops[slot % connectionLoops.count]
        let handler = GatewayConnectionHandler(slot: slot, configuration: connectionConfiguration)
        let relay = GatewayConnectionRelay(
            handler: handler, generation: generation, poolLoop: loop, executor: NIOLoopBound(self, eventLoop: loop))
        handler.delegate = relay
        let boundRelay = NIOLoopBoundBox.makeBoxSendingValue(relay, eventLoop: channelLoop)
        let link = GatewayConnectionLink(
            slot: slot, generation: generation, channelLoop: channelLoop,
            windowCapacity: connectionConfiguration.windowCapacity, relay: boundRelay)
        links[slot] = link
        proven[slot] = false
        let tlsContext = self.tlsContext
        let serverHostname = GatewayTLS.serverName(host: configuration.host, serverHostname: configuration.serverHostname)
        ClientBootstrap(group: channelLoop)
            .connectTimeout(configuration.connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let tls = try NIOSSLClientHandler(context: tlsContext, serverHostname: serverHostname)
                    try channel.pipeline.syncOperations.addHandlers(
                        tls, ByteToMessageHandler(ErrorResponseDecoder()), boundRelay.value.handler)
                }
            }
            .connect(host: configuration.host, port: configuration.port)
            .hop(to: loop)
            .assumeIsolated()
            .whenComplete { [self] result in
                guard links[slot] === link else {
                    if case .success(let channel) = result { channel.close(promise: nil) }
                    return
                }
                switch result {
                case .success(let channel):
                    link.channel = channel
                    if fatal != nil { channel.close(promise: nil) }
                    // The TLS handshake gets the same deadline as the TCP connect.
                    if !link.isReady {
                        link.handshakeDeadline = loop.assumeIsolated().scheduleTask(in: configuration.connectTimeout) {
                            if channel.isActive { channel.close(promise: nil) }
                        }
                    }
                case .failure(let error):
                    links[slot] = nil
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
