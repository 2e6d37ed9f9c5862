import NIOConcurrencyHelpers
import NIOCore

/// The gateway-wide "stop reading" fault (`FaultPlan.stopReadingAfter`): once the gateway has
/// accepted that many notifications, no connection reads any more — neither the open ones nor
/// those accepted later (whose TLS handshakes then never finish) — so the kernel's receive
/// buffers fill and the clients' TCP send windows close. With `resumeReadingAfter`, every held
/// connection reads again that long after the stop, and the fault is over for good.
final class ReadingPause: Sendable {
    private struct State {
        var stopped = false
        var resumed = false
        /// Connections that asked to read while stopped, by handler, with how to resume them.
        var held: [ObjectIdentifier: @Sendable () -> Void] = [:]
    }

    private let threshold: Int
    private let resumeAfter: TimeAmount?
    private let acceptedSoFar: @Sendable () -> Int
    private let state = NIOLockedValueBox(State())

    /// - Parameters:
    ///   - threshold: accepted notifications (gateway-wide) after which reading stops.
    ///   - acceptedSoFar: the gateway's accepted count now.
    init(threshold: Int, resumeAfter: TimeAmount?, acceptedSoFar: @escaping @Sendable () -> Int) {
        self.threshold = threshold
        self.resumeAfter = resumeAfter
        self.acceptedSoFar = acceptedSoFar
    }

    /// Whether reading is stopped right now.
    var isStopped: Bool {
        state.withLockedValue { $0.stopped && !$0.resumed }
    }

    /// Asked before each socket read of a connection. Returns `true` when the read must wait; the
    /// gateway then calls `resume` (once) when reading resumes. The first call past the threshold
    /// stops reading and, with a resume time, schedules the resume on `loop`.
    func holdsRead(of key: ObjectIdentifier, loop: any EventLoop, resume: @escaping @Sendable () -> Void) -> Bool {
        let (holds, startTimer) = state.withLockedValue { state -> (Bool, Bool) in
            if state.resumed { return (false, false) }
            var startTimer = false
            if !state.stopped {
                guard acceptedSoFar() >= threshold else { return (false, false) }
                state.stopped = true
                startTimer = resumeAfter != nil
            }
            state.held[key] = resume
            return (true, startTimer)
        }
        if startTimer, let resumeAfter {
            loop.scheduleTask(in: resumeAfter) { [self] in resumeAll() }
        }
        return holds
    }

    /// A connection went away; it must not be resumed.
    func forget(_ key: ObjectIdentifier) {
        _ = state.withLockedValue { $0.held.removeValue(forKey: key) }
    }

    private func resumeAll() {
        let waiting = state.withLockedValue { state in
            state.resumed = true
            defer { state.held.removeAll() }
            return Array(state.held.values)
        }
        for resume in waiting { resume() }
    }
}

/// Holds back a connection's socket reads while the gateway's ``ReadingPause`` says so. Sits
/// first in the pipeline (under TLS), where every read request passes.
final class ReadPauseHandler: ChannelOutboundHandler {
    typealias OutboundIn = Any

    private let pause: ReadingPause
    private var context: ChannelHandlerContext?

    init(pause: ReadingPause) {
        self.pause = pause
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        pause.forget(ObjectIdentifier(self))
    }

    func read(context: ChannelHandlerContext) {
        let loop = context.eventLoop
        let handler = NIOLoopBound(self, eventLoop: loop)
        let held = pause.holdsRead(of: ObjectIdentifier(self), loop: loop) {
            loop.execute { handler.value.context?.read() }
        }
        if !held { context.read() }
    }
}

@available(*, unavailable)
extension ReadPauseHandler: Sendable {}
