import APNSBinary
import APNSHTTP2
import JobQueue
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOSSL

/// The worker's ``AppSender``s, created on the first job of each app, and the apps it has stopped
/// sending for because their credentials failed (to load, or at the gateway's handshake), or
/// paused because their gateway cannot be reached.
///
/// A failed app is left alone for `credentialRetryDelay` — its jobs are handed back and excluded
/// from this worker's claims — and its error is written to `push.app.credential_error`, where
/// reports show it. An app whose gateway is unreachable keeps its sender (the pool reconnects
/// with back-off); its notifications come back without counting an attempt and the app is
/// excluded from claims for a growing pause (``GatewayPauses``) until the gateway answers again.
/// Other apps are not affected.
final class SenderRegistry: Sendable {
    private struct Entry: Sendable {
        var sender: AppSender
        var consumer: Task<Void, Never>
    }

    private struct State: Sendable {
        var senders: [AppID: Entry] = [:]
        var blockedUntil: [AppID: ContinuousClock.Instant] = [:]
        var pauses: GatewayPauses
        /// Senders of failed apps, still draining.
        var retiring: [Task<Void, Never>] = []
    }

    private let queue: JobQueue
    private let writer: OutcomeWriter
    private let campaigns: CampaignCache
    private let settings: WorkerSettings
    private let eventLoops: any EventLoopGroup
    private let instruments: WorkerInstruments
    private let budget: JobBudget
    private let logger: Logger
    private let state: NIOLockedValueBox<State>

    init(queue: JobQueue, writer: OutcomeWriter, settings: WorkerSettings, eventLoops: any EventLoopGroup,
         instruments: WorkerInstruments, budget: JobBudget, logger: Logger) {
        self.queue = queue
        self.writer = writer
        self.campaigns = CampaignCache(queue: queue)
        self.settings = settings
        self.eventLoops = eventLoops
        self.instruments = instruments
        self.budget = budget
        self.logger = logger
        self.state = NIOLockedValueBox(State(
            pauses: GatewayPauses(initial: settings.gatewayPause, maximum: settings.maximumGatewayPause)))
    }

    /// Apps this worker does not claim for right now: stopped (credentials) or paused (gateway
    /// unreachable).
    func blockedApps(at now: ContinuousClock.Instant = .now) -> Set<AppID> {
        state.withLockedValue { state in
            state.blockedUntil = state.blockedUntil.filter { $0.value > now }
            return Set(state.blockedUntil.keys).union(state.pauses.paused(at: now))
        }
    }

    /// Apps stopped because their credentials failed. Their jobs do not keep an idle worker
    /// (`--exit-when-idle`) running; those of a paused app do, since it will send them.
    func stoppedApps(at now: ContinuousClock.Instant = .now) -> Set<AppID> {
        state.withLockedValue { state in
            state.blockedUntil = state.blockedUntil.filter { $0.value > now }
            return Set(state.blockedUntil.keys)
        }
    }

    /// Notifications handed to pools and not yet settled, over all apps.
    var outstandingNotifications: Int {
        state.withLockedValue { $0.senders.values.map(\.sender) }.reduce(0) { $0 + $1.outstandingCount }
    }

    /// Each running app's pool counters, by app name.
    func poolStatistics() async -> [(app: String, statistics: TransportStatistics)] {
        var result: [(app: String, statistics: TransportStatistics)] = []
        for sender in state.withLockedValue({ $0.senders.values.map(\.sender) }) {
            result.append((sender.app.name, await sender.poolStatistics()))
        }
        return result.sorted { $0.app < $1.app }
    }

    /// The sender of `app`, created (credentials loaded, pool started) on first use; `nil` when
    /// the app is blocked or its credentials fail now (it is then blocked and the error recorded).
    /// Called from the claim loop only, so creation is never raced; its database calls run under
    /// the loop's `deadline`.
    func sender(for app: AppID, within deadline: DatabaseCallDeadline) async -> AppSender? {
        if let existing = state.withLockedValue({ $0.senders[app]?.sender }) {
            return existing
        }
        guard !blockedApps().contains(app) else { return nil }
        let queue = self.queue
        let record: AppRecord
        do {
            guard let found = try await deadline.run("app lookup", operation: { try await queue.app(app) }) else {
                await block(app, message: "app \(app.rawValue) does not exist", within: deadline)
                return nil
            }
            record = found
        } catch {
            logger.warning("could not load an app's row; its jobs go back to the queue",
                           metadata: ["app": "\(app.rawValue)", "error": "\(PostgresErrorText.message(of: error))"])
            return nil
        }
        let transport: any NotificationTransport
        do {
            transport = try makeTransport(for: record)
        } catch {
            await block(app, name: record.name, message: "\(error)", within: deadline)
            return nil
        }
        let sender = makeSender(for: record, transport: transport)
        sender.start()
        let consumer = Task { await sender.runOutcomes() }
        state.withLockedValue { $0.senders[app] = Entry(sender: sender, consumer: consumer) }
        _ = try? await deadline.run("credential error reset") { try await queue.recordCredentialError(app: app, message: nil) }
        logger.info("sending for app", metadata: [
            "app": "\(record.name)", "transport": "\(transport.name)", "gateway": "\(record.gatewayHost):\(record.gatewayPort)",
            "connections": "\(settings.connectionsPerApp ?? record.connectionsPerWorker)",
        ])
        return sender
    }

    /// The app's pool behind the transport its row names: the binary protocol or HTTP/2 (with
    /// certificate or token authentication). Loads and checks the credentials.
    ///
    /// - Throws: ``AppCredentialError`` (or a plain message) naming what is wrong with the app.
    private func makeTransport(for app: AppRecord) throws -> any NotificationTransport {
        let connections = settings.connectionsPerApp ?? app.connectionsPerWorker
        switch app.transport {
        case "binary":
            let context = try AppCredentials.clientTLS(for: app, environment: settings.environment, logger: logger)
            let configuration = GatewayPool.Configuration(
                host: app.gatewayHost, port: app.gatewayPort, connectionCount: connections,
                windowCapacity: settings.windowCapacity, backoff: settings.gatewayReconnectBackoff)
            return BinaryTransport(pool: GatewayPool(configuration: configuration, tlsContext: context, group: eventLoops))
        case "http2":
            if let problem = HTTP2FieldValue.pseudoHeaderProblem(in: app.gatewayHost) {
                throw AppCredentialError(app: app.name, message: "gateway host \(problem); it cannot be an HTTP/2 :authority")
            }
            let (context, authentication) = try AppCredentials.http2Connection(
                for: app, environment: settings.environment, logger: logger)
            let configuration = HTTP2Pool.Configuration(
                host: app.gatewayHost, port: app.gatewayPort, connectionCount: connections,
                backoff: settings.gatewayReconnectBackoff)
            return HTTP2Transport(pool: HTTP2Pool(
                configuration: configuration, tlsContext: context, authentication: authentication, eventLoop: eventLoops.next()))
        default:
            throw AppCredentialError(app: app.name, message: "transport \(app.transport) is not supported by this worker")
        }
    }

    private func makeSender(for app: AppRecord, transport: any NotificationTransport) -> AppSender {
        let budget = self.budget
        let events = AppSender.Events(
            jobsDropped: { budget.give($0) },
            appFailed: { [weak self] failure in self?.appFailed(app.id, name: app.name, failure: failure) },
            gatewayUnreachable: { [weak self] failure in self?.gatewayUnreachable(app.id, name: app.name, failure: failure) },
            gatewayAnswered: { [weak self] in self?.gatewayAnswered(app.id, name: app.name) })
        return AppSender(app: app, transport: transport, writer: writer, campaigns: campaigns, instruments: instruments,
                         events: events, logger: logger)
    }

    /// The gateway refused the app's certificate (or ours refused the gateway's): stop the app's
    /// sender — its jobs come back as released — and block it.
    private func appFailed(_ app: AppID, name: String, failure: GatewayFailure) {
        let retired = state.withLockedValue { state -> Entry? in
            state.blockedUntil[app] = .now + settings.credentialRetryDelay
            return state.senders.removeValue(forKey: app)
        }
        guard let retired else { return }
        logger.error("app stopped: \(failure)", metadata: ["app": "\(name)"])
        let queue = self.queue
        let task = Task {
            try? await queue.recordCredentialError(app: app, message: "app \(name): \(failure)")
            await retired.sender.drain()
            await retired.consumer.value
        }
        state.withLockedValue { $0.retiring.append(task) }
        budget.nudge()
    }

    /// The app's pool handed notifications back because its gateway cannot be reached: pause the
    /// app (its jobs are not claimed meanwhile; the pool keeps reconnecting).
    private func gatewayUnreachable(_ app: AppID, name: String, failure: GatewayFailure) {
        let change = state.withLockedValue { $0.pauses.unreachable(app, now: .now) }
        guard case .paused(let pause, let first) = change else { return }
        if first {
            logger.warning("gateway unreachable; the app's jobs go back to the queue without using an attempt until it answers",
                           metadata: ["app": "\(name)", "error": "\(failure)", "pause": "\(pause)"])
        } else {
            logger.info("gateway still unreachable; pausing the app again", metadata: ["app": "\(name)", "pause": "\(pause)"])
        }
    }

    /// The app's gateway accepted or rejected a notification: end any pause.
    private func gatewayAnswered(_ app: AppID, name: String) {
        let change = state.withLockedValue { $0.pauses.answered(app, now: .now) }
        guard case .resumed(let after) = change else { return }
        logger.info("gateway answers again; the app's jobs are claimed again", metadata: ["app": "\(name)", "paused_for": "\(after)"])
        budget.nudge()
    }

    private func block(_ app: AppID, name: String? = nil, message: String, within deadline: DatabaseCallDeadline) async {
        state.withLockedValue { $0.blockedUntil[app] = .now + settings.credentialRetryDelay }
        logger.error("app cannot be sent for; its jobs go back to the queue",
                     metadata: ["app": "\(name ?? "\(app.rawValue)")", "error": "\(message)"])
        let queue = self.queue
        do {
            try await deadline.run("credential error record") { try await queue.recordCredentialError(app: app, message: message) }
        } catch {
            logger.warning("could not record the app's error", metadata: ["error": "\(PostgresErrorText.message(of: error))"])
        }
    }

    /// Drains every sender: sends what pools hold and proves it, until `timeout`; then releases
    /// whatever is still unsettled. Returns how many tokens were released unproven.
    func drainAll(timeout: Duration) async -> Int {
        let (entries, retiring) = state.withLockedValue { state in
            defer { state.senders.removeAll(); state.retiring.removeAll() }
            return (Array(state.senders.values), state.retiring)
        }
        let (signals, signal) = AsyncStream.makeStream(of: Bool.self, bufferingPolicy: .bufferingNewest(1))
        let drain = Task {
            await withTaskGroup(of: Void.self) { group in
                for entry in entries {
                    group.addTask {
                        await entry.sender.drain()
                        await entry.consumer.value
                    }
                }
                for task in retiring {
                    group.addTask { await task.value }
                }
            }
            signal.yield(true)
        }
        let timer = Task {
            try? await Task.sleep(for: timeout)
            signal.yield(false)
        }
        var iterator = signals.makeAsyncIterator()
        let drained = await iterator.next() ?? false
        timer.cancel()
        guard !drained else { return 0 }
        logger.warning("drain deadline passed; handing back what is not proven", metadata: ["timeout": "\(timeout)"])
        var released = 0
        for entry in entries {
            released += await entry.sender.abandon()
            entry.consumer.cancel()
        }
        drain.cancel()
        return released
    }
}
