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
        let text = String(describing: error)
        if clientCertificateAlerts.contains(where: text.contains) {
            return .clientCertificateRejected(
                reason: "the gateway refused the TLS handshake because of the client certificate (\(alertName(in: text))); check the certificate, its CA and its expiry")
        }
        if error is NIOSSLExtraError || text.contains("CERTIFICATE_VERIFY_FAILED") {
            return .gatewayCertificateUntrusted(
                reason: "the gateway's certificate did not verify against the trust roots (\(alertName(in: text))); check the CA file and the host name")
        }
        return .failed(reason: text)
    }

    /// TLS alerts a server sends when it does not accept the client's certificate.
    private static let clientCertificateAlerts = [
        "TLSV1_ALERT_UNKNOWN_CA", "SSLV3_ALERT_BAD_CERTIFICATE", "TLSV1_ALERT_CERTIFICATE_REQUIRED",
        "SSLV3_ALERT_CERTIFICATE_EXPIRED", "SSLV3_ALERT_CERTIFICATE_REVOKED", "SSLV3_ALERT_CERTIFICATE_UNKNOWN",
        "SSLV3_ALERT_UNSUPPORTED_CERTIFICATE", "TLSV1_ALERT_ACCESS_DENIED",
        // The server could not verify our CertificateVerify signature (key and certificate disagree,
        // or it does not accept the chain).
        "TLSV1_ALERT_DECRYPT_ERROR",
    ]

    /// The BoringSSL reason code in an error description (without file paths).
    private static func alertName(in text: String) -> String {
        let reasons = clientCertificateAlerts + ["CERTIFICATE_VERIFY_FAILED", "failedToValidateHostname"]
        return reasons.first(where: text.contains) ?? "TLS error"
    }
}
