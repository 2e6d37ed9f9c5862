import NIOCore
import NIOTLS

/// The I/O side of one gateway connection: turns channel callbacks into ``InFlightWindow`` events
/// and executes the window's actions in one `run(_:)` switch. It decides nothing itself.
///
/// Pipeline: `NIOSSLClientHandler` → `ByteToMessageHandler(ErrorResponseDecoder)` → this handler.
/// Notifications arrive through ``enqueue(_:)`` on the channel's loop (the pool hands them over
/// with ``GatewayConnectionRelay``, from its own loop) and are encoded
/// with ``NotificationFrameEncoder`` into one batch buffer, which is written when it passes
/// ``Configuration/batchBytes`` and flushed by ``flush()`` at the end of the pool's dispatch round:
/// hundreds of frames share a write and a TLS record. The channel's writability is the only
/// back-pressure signal: an unwritable connection takes nothing.
final class GatewayConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ErrorResponse
    typealias OutboundOut = ByteBuffer

    struct Configuration: Sendable {
        /// Notifications per connection before the probe proves them.
        var windowCapacity: Int
        /// Write the probe after this long without a write (while notifications are unconfirmed).
        var idleProbeDelay: TimeAmount
        /// Close the connection when the probe is not answered within this time.
        var probeTimeout: TimeAmount
        /// Write the batch buffer once it holds this many bytes.
        var batchBytes: Int = 16 * 1024
    }

    /// The probe's payload; any valid object works, the gateway rejects the frame for its token.
    private static let probePayload = ByteBuffer(string: #"{"aps":{}}"#)

    let slot: Int
    private let configuration: Configuration
    weak var delegate: (any GatewayConnectionDelegate)?

    private var window: InFlightWindow
    /// `written[id - 1]` is the notification written under `id`.
    private var written: [PendingNotification] = []
    private var batch: ByteBuffer
    private var context: ChannelHandlerContext?
    private(set) var isReady = false
    /// The pool closed this connection on purpose with nothing in flight.
    private(set) var closedByPool = false
    private var firstError: (any Error)?
    private var lastWriteAt = NIODeadline.distantPast
    private var idleTimer: Scheduled<Void>?
    private var probeTimer: Scheduled<Void>?
    private var hasUnflushedWrites = false

    init(slot: Int, configuration: Configuration) {
        self.slot = slot
        self.configuration = configuration
        self.window = InFlightWindow(capacity: configuration.windowCapacity)
        self.batch = ByteBuffer()
    }

    /// Whether ``enqueue(_:)`` would take a notification now.
    var acceptsNotifications: Bool {
        isReady && window.acceptsNotifications && (context?.channel.isWritable ?? false)
    }

    /// Whether the connection would take notifications if its channel were writable: the
    /// handshake is done and the window is open and not full.
    var takesNotificationsWhenWritable: Bool {
        isReady && window.acceptsNotifications
    }

    /// The most notifications this connection carries before its probe.
    var windowCapacity: Int { configuration.windowCapacity }

    /// Whether notifications written here still wait for proof.
    var hasUnconfirmed: Bool { !window.unconfirmed.isEmpty }

    // MARK: Calls from the pool

    /// Offers one notification; `false` means it was not taken (hand it to another connection).
    func enqueue(_ notification: PendingNotification) -> Bool {
        guard acceptsNotifications else { return false }
        return run(window.notificationQueued(), notification: notification)
    }

    /// Sends what was enqueued since the last flush.
    func flush() {
        guard let context else { return }
        if batch.readableBytes > 0 { writeBatch(context) }
        if !window.unconfirmed.isEmpty { noteWrite(context) }
        if hasUnflushedWrites {
            hasUnflushedWrites = false
            context.flush()
        }
    }

    /// Proves what is in flight with the probe, or closes at once when nothing is.
    func drain() {
        run(window.drainRequested())
    }

    // MARK: Channel callbacks

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        batch = context.channel.allocator.buffer(capacity: configuration.batchBytes + 4096)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        cancelTimers()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent, !isReady, context.channel.isActive {
            isReady = true
            delegate?.connectionBecameReady(self)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        run(window.errorResponseReceived(unwrapInboundIn(data)))
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable && isReady {
            delegate?.connectionBecameWritable(self)
        }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if firstError == nil { firstError = error }
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        isReady = false
        cancelTimers()
        run(window.channelClosed())
        delegate?.connectionClosed(self, error: firstError)
        context.fireChannelInactive()
    }

    // MARK: Executing the window's actions

    @discardableResult
    private func run(_ action: InFlightWindow.Action, notification: PendingNotification? = nil) -> Bool {
        guard let context else { return false }
        switch action {
        case .write(let id):
            write(notification!, id: id, context: context)
            return true
        case .writeAndProbe(let id, let probe):
            write(notification!, id: id, context: context)
            writeProbe(probe, context: context)
            return true
        case .writeProbe(let probe):
            writeProbe(probe, context: context)
        case .refuse:
            return false
        case .settleAndClose(let settlement):
            let notifications = written
            written = []
            batch.clear()
            cancelTimers()
            delegate?.connection(self, settled: settlement, notifications: notifications)
            if context.channel.isActive { context.close(promise: nil) }
        case .close:
            if window.unconfirmed.isEmpty { closedByPool = true }
            context.close(promise: nil)
        case .none:
            break
        }
        return false
    }

    private func write(_ pending: PendingNotification, id: SequenceNumber, context: ChannelHandlerContext) {
        let content = pending.notification.content
        NotificationFrameEncoder.write(
            format: content.format, identifier: id, deviceToken: pending.notification.deviceToken.bytes,
            payload: content.payload, expiration: content.expiration.secondsSince1970,
            priority: content.priority.rawValue, into: &batch)
        written.append(pending)
        if batch.readableBytes >= configuration.batchBytes {
            writeBatch(context)
            hasUnflushedWrites = false
            context.flush()
        }
    }

    private func writeProbe(_ id: SequenceNumber, context: ChannelHandlerContext) {
        NotificationFrameEncoder.write(
            format: .frame, identifier: id, deviceToken: EmptyCollection<UInt8>(), payload: Self.probePayload,
            expiration: 0, priority: 10, into: &batch)
        flush()
        idleTimer?.cancel()
        idleTimer = nil
        probeTimer = context.eventLoop.assumeIsolated().scheduleTask(in: configuration.probeTimeout) { [weak self] in
            guard let self else { return }
            self.run(self.window.probeDeadlineReached())
        }
    }

    private func writeBatch(_ context: ChannelHandlerContext) {
        let out = batch
        batch = context.channel.allocator.buffer(capacity: configuration.batchBytes + 4096)
        context.write(wrapOutboundOut(out), promise: nil)
        hasUnflushedWrites = true
    }

    /// Remembers the write and makes sure the idle timer is armed.
    private func noteWrite(_ context: ChannelHandlerContext) {
        lastWriteAt = context.eventLoop.now
        if idleTimer == nil { armIdleTimer(context, at: lastWriteAt + configuration.idleProbeDelay) }
    }

    private func armIdleTimer(_ context: ChannelHandlerContext, at deadline: NIODeadline) {
        idleTimer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [weak self] in
            guard let self, let context = self.context else { return }
            self.idleTimer = nil
            let due = self.lastWriteAt + self.configuration.idleProbeDelay
            if due > context.eventLoop.now {
                self.armIdleTimer(context, at: due)
            } else {
                self.run(self.window.idleDeadlineReached())
            }
        }
    }

    private func cancelTimers() {
        idleTimer?.cancel()
        idleTimer = nil
        probeTimer?.cancel()
        probeTimer = nil
    }
}

@available(*, unavailable)
extension GatewayConnectionHandler: Sendable {}
