import APNSBinary
import NIOCore
import NIOSSL
import NIOTLS

/// One gateway connection: parses records, applies the fault plan, accepts or answers with an
/// error response, and after an error discards everything else the client sends, like APNs.
///
/// Accepted notifications are tallied locally and handed to the shared `GatewayRecorder` once
/// per socket read, and always before the connection's ending (error response or close) is
/// written, so a client that observes the ending finds the gateway's counters already updated.
/// Before an error response — the client's proof that what preceded it was accepted — the
/// ledger is written to its file, so it survives the gateway being killed.
final class BinaryGatewayHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum State {
        case open
        /// An ending was decided; later records are counted as discarded.
        case discarding
        case closed
    }

    private enum Ending {
        case errorResponse(ErrorResponse)
        case abruptClose
        case silentClose
    }

    private let connection: UInt64
    private let recorder: GatewayRecorder
    private let faults: FaultPlan
    private let lingerAfterError: TimeAmount
    private let writesLedger: Bool
    private let tracksDuplicates: Bool
    private let processor: NIOSingleStepByteToMessageProcessor<GatewayFrameDecoder>
    private var random: SplitMix64
    private var state = State.open
    private var pendingEnding: Ending?
    private var acceptedHere = 0
    private var tally = ConnectionTally()
    private var handshakeCompleted = false
    private var lingerTimer: Scheduled<Void>?

    init(
        connection: UInt64,
        recorder: GatewayRecorder,
        rules: FrameRules,
        faults: FaultPlan,
        lingerAfterError: TimeAmount,
        tracksDuplicates: Bool
    ) {
        self.connection = connection
        self.recorder = recorder
        self.faults = faults
        self.lingerAfterError = lingerAfterError
        self.writesLedger = recorder.ledger != nil
        self.tracksDuplicates = tracksDuplicates
        self.processor = NIOSingleStepByteToMessageProcessor(GatewayFrameDecoder(rules: rules))
        self.random = SplitMix64(seed: faults.seed ^ (connection &* 0xA24B_AED4_963E_E407))
        self.tally.digests.reserveCapacity(1024)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .open = state else {
            if case .discarding = state { countDiscarded(unwrapInboundIn(data)) }
            return
        }
        do {
            try processor.process(buffer: unwrapInboundIn(data)) { inbound in
                self.handle(inbound)
            }
        } catch {
            decide(.silentClose)
        }
        if let ending = pendingEnding {
            pendingEnding = nil
            finish(ending, context: context)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if !tally.isEmpty { recorder.record(&tally) }
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        state = .closed
        lingerTimer?.cancel()
        if !tally.isEmpty { recorder.record(&tally) }
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent { handshakeCompleted = true }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !handshakeCompleted, state != .closed {
            recorder.handshakeFailed()
        }
        state = .closed
        context.close(promise: nil)
    }

    // MARK: - Judging records

    private func handle(_ inbound: GatewayInbound) {
        switch state {
        case .open:
            break
        case .discarding:
            if case .unparseable = inbound { return }
            tally.discarded += 1
            return
        case .closed:
            return
        }
        switch inbound {
        case .unparseable:
            tally.unparseableCloses += 1
            decide(.silentClose)
        case .malformed(var response):
            if response.status == .missingDeviceToken, faults.missingTokenNamesIdentifierZero {
                response.identifier = 0
            }
            reject(response)
        case .notification(let frame):
            if !faults.invalidTokens.isEmpty, faults.invalidTokens.contains(frame.deviceToken) {
                reject(ErrorResponse(status: .invalidToken, identifier: frame.identifier))
            } else if random.draw(faults.processingErrorRate) {
                reject(ErrorResponse(status: .processingError, identifier: frame.identifier))
            } else {
                accept(frame)
            }
        }
    }

    private func reject(_ response: ErrorResponse) {
        tally.rejected[response.status.rawValue, default: 0] += 1
        decide(.errorResponse(response))
    }

    private func accept(_ frame: NotificationFrame) {
        acceptedHere += 1
        tally.countAccepted(
            connection: connection,
            format: frame.format.rawValue,
            identifier: frame.identifier,
            deviceToken: frame.deviceToken,
            payload: frame.payload,
            writesLedger: writesLedger,
            tracksDuplicates: tracksDuplicates
        )

        if let limit = faults.shutdownAfter, acceptedHere >= limit {
            tally.shutdownsSent += 1
            decide(.errorResponse(ErrorResponse(status: .shutdown, identifier: frame.identifier)))
        } else if let limit = faults.abruptCloseAfter, acceptedHere >= limit {
            tally.abruptCloses += 1
            decide(.abruptClose)
        } else if let fault = recorder.gatewayWideFault() {
            switch fault {
            case .shutdown:
                tally.shutdownsSent += 1
                decide(.errorResponse(ErrorResponse(status: .shutdown, identifier: frame.identifier)))
            case .abruptClose:
                tally.abruptCloses += 1
                decide(.abruptClose)
            }
        }
    }

    private func decide(_ ending: Ending) {
        state = .discarding
        pendingEnding = ending
    }

    private func countDiscarded(_ buffer: ByteBuffer) {
        try? processor.process(buffer: buffer) { inbound in
            if case .unparseable = inbound { return }
            self.tally.discarded += 1
        }
    }

    // MARK: - Endings

    private func finish(_ ending: Ending, context: ChannelHandlerContext) {
        recorder.record(&tally)
        switch ending {
        case .errorResponse(let response):
            recorder.persistLedger()
            var bytes = context.channel.allocator.buffer(capacity: ErrorResponse.byteCount)
            bytes.writeInteger(ErrorResponse.command)
            bytes.writeInteger(response.status.rawValue)
            bytes.writeInteger(response.identifier)
            context.writeAndFlush(wrapOutboundOut(bytes), promise: nil)
            // Half-close: the client reads the response and a clean end of stream; what it keeps
            // sending is read and discarded (closing with unread input would reset the
            // connection and could destroy the response before the client reads it).
            let channel = context.channel
            let closeOutput = context.eventLoop.makePromise(of: Void.self)
            closeOutput.futureResult.whenFailure { _ in channel.close(promise: nil) }
            context.close(mode: .output, promise: closeOutput)
            lingerTimer = context.eventLoop.scheduleTask(in: lingerAfterError) {
                channel.close(promise: nil)
            }
        case .abruptClose:
            state = .closed
            // Close beneath TLS: no close_notify, the client sees the stream just end.
            if let tlsContext = try? context.pipeline.syncOperations.context(handlerType: NIOSSLServerHandler.self) {
                tlsContext.close(promise: nil)
            } else {
                context.close(promise: nil)
            }
        case .silentClose:
            state = .closed
            context.close(promise: nil)
        }
    }
}

@available(*, unavailable)
extension BinaryGatewayHandler: Sendable {}
