import APNSBinary
import HTTP2Wire
import NIOCore
import NIOPosix
import NIOSSL

extension HTTP2PoolExecutor {
    /// Executes the pool state machine's actions.
    func run(_ actions: [Machine.Action]) {
        for action in actions {
            switch action {
            case .connect(let slot):
                if fatal == nil { connect(slot: slot) }
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
                failPool(failure)
            }
        }
    }

    /// Opens a connection for `slot`: TCP, TLS with ALPN h2, ``HTTP2FrameDecoder`` and the slot's
    /// ``HTTP2ConnectionHandler``.
    private func connect(slot: Int) {
        let generation = nextGeneration
        nextGeneration += 1
        let serverName = GatewayTLS.serverName(host: configuration.host, serverHostname: configuration.serverHostname)
        let handler = HTTP2ConnectionHandler(
            slot: slot, generation: generation,
            configuration: .init(
                machine: configuration.connection, pingInterval: configuration.pingInterval,
                authority: configuration.serverHostname ?? configuration.host),
            authentication: authentication)
        handler.delegate = self
        connections[slot] = handler
        let boundHandler = NIOLoopBound(handler, eventLoop: loop)
        let tlsContext = self.tlsContext
        ClientBootstrap(group: loop)
            .connectTimeout(configuration.connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(NIOSSLClientHandler(context: tlsContext, serverHostname: serverName))
                    try sync.addHandler(ByteToMessageHandler(HTTP2FrameDecoder()))
                    try sync.addHandler(boundHandler.value)
                }
            }
            .connect(host: configuration.host, port: configuration.port)
            .assumeIsolated()
            .whenComplete { [self] result in
                guard connections[slot] === handler else {
                    if case .success(let channel) = result { channel.close(promise: nil) }
                    return
                }
                switch result {
                case .success(let channel):
                    channels[slot] = channel
                    if fatal != nil { return handler.closeNow() }
                    // The TLS handshake gets the same deadline as the TCP connect.
                    handshakeDeadlines[slot] = loop.assumeIsolated().scheduleTask(in: configuration.connectTimeout) {
                        if handler.room == 0 && !handler.answered && handler.machine.phase == .connecting {
                            channel.close(promise: nil)
                        }
                    }
                case .failure(let error):
                    connections[slot] = nil
                    statistics.connectionFailures += 1
                    run(machine.connectionEnded(slot: slot, Self.classify(error, closedByPool: false), hasWork: !pending.isEmpty, now: .now))
                    scheduleDispatch()
                }
            }
    }

    /// Sorts the first error of a connection that ended before any request was answered.
    static func classify(_ error: (any Error)?, closedByPool: Bool) -> Machine.ConnectionEnd {
        guard let error else {
            return closedByPool ? .retired : .failed(reason: "the gateway closed the connection before answering a request")
        }
        if let certificate = GatewayFailure.certificateFailure(from: error, peer: "gateway") {
            return certificate.code == .clientCertificateRejected
                ? .clientCertificateRejected(reason: certificate.message)
                : .gatewayCertificateUntrusted(reason: certificate.message)
        }
        return .failed(reason: String(describing: error))
    }
}

// MARK: - Reports from connections (same loop)

extension HTTP2PoolExecutor: HTTP2ConnectionDelegate {
    func connectionBecameReady(_ connection: HTTP2ConnectionHandler) {
        guard connections[connection.slot] === connection else { return }
        handshakeDeadlines[connection.slot]?.cancel()
        handshakeDeadlines[connection.slot] = nil
        statistics.connectionsEstablished += 1
        machine.connectionReady(slot: connection.slot)
        if !machine.isUnreachable { unreachable = nil }
        if isDraining && pending.isEmpty { connection.drain() }
        scheduleDispatch()
    }

    func connectionHasRoom(_ connection: HTTP2ConnectionHandler) {
        if !pending.isEmpty { scheduleDispatch() }
    }

    func connection(_ connection: HTTP2ConnectionHandler, finished notification: PendingHTTP2Notification, _ result: SettledStream) {
        var notification = notification
        switch result {
        case .answered(let response, let providerToken):
            settle(notification, response: response, providerToken: providerToken)
        case .notProcessed:
            statistics.resentNotProcessed += 1
            resend(notification)
        case .lost(let reason):
            notification.lostAttempts += 1
            if Int(notification.lostAttempts) >= configuration.maxLostAttempts {
                fail(notification, GatewayFailure(
                    code: .connectionLost,
                    message: "\(notification.lostAttempts) streams carrying this notification ended without an answer; last: \(reason)"))
            } else {
                statistics.resentLost += 1
                resend(notification)
            }
        }
        scheduleDispatch()
    }

    func connectionClosed(_ connection: HTTP2ConnectionHandler, error: (any Error)?) {
        let slot = connection.slot
        guard connections[slot] === connection else { return }
        connections[slot] = nil
        channels[slot] = nil
        handshakeDeadlines[slot]?.cancel()
        handshakeDeadlines[slot] = nil
        if connection.receivedGoAway { statistics.goAwaysReceived += 1 }
        let end: Machine.ConnectionEnd =
            connection.answered ? .settledByGateway : Self.classify(error, closedByPool: connection.closedByPool)
        if case .failed = end { statistics.connectionFailures += 1 }
        run(machine.connectionEnded(slot: slot, end, hasWork: !pending.isEmpty, now: .now))
        scheduleDispatch()
    }

    /// Turns APNs' answer into an outcome, a resend with a renewed token, or the pool's failure.
    private func settle(_ notification: PendingHTTP2Notification, response: HTTP2Response, providerToken: String?) {
        var notification = notification
        switch ResponseDisposition(response, authentication: authentication.kind) {
        case .accepted:
            record(notification, .accepted(apnsID: response.apnsID))
        case .rejected:
            record(notification, .rejected(response))
        case .retryLater:
            record(notification, .retryLater(response))
        case .renewProviderToken:
            if case .token(let source) = authentication, let providerToken {
                source.expiredReported(token: providerToken)
            }
            if Int(notification.tokenRenewals) >= configuration.maxTokenRenewals {
                record(notification, .retryLater(response))
            } else {
                notification.tokenRenewals += 1
                statistics.resentAfterTokenRenewal += 1
                resend(notification)
            }
        case .credentialsRejected(let failure):
            record(notification, .failed(failure))
            failPool(failure)
        }
    }
}
