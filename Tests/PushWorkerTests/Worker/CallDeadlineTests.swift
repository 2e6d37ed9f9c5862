import Synchronization
import Testing
import TestSupport

@testable import PushWorker

/// A call that never returns on its own: it waits on a continuation only the test resumes, and
/// ignores cancellation (as a query whose connection was cut does).
private final class StuckCall: Sendable {
    private let waiter = Mutex<CheckedContinuation<Int, Never>?>(nil)
    private let lateResults = Mutex<[Result<Int, any Error>]>([])

    var isWaiting: Bool { waiter.withLock { $0 != nil } }
    var late: [Result<Int, any Error>] { lateResults.withLock { $0 } }

    func call() async -> Int {
        await withCheckedContinuation { continuation in waiter.withLock { $0 = continuation } }
    }

    /// Lets the call return `value` at last.
    func answer(_ value: Int) {
        waiter.withLock { $0.take() }?.resume(returning: value)
    }

    func recordLate(_ result: Result<Int, any Error>) {
        lateResults.withLock { $0.append(result) }
    }
}

@Suite("Call deadline", .timeLimit(.minutes(1)))
struct CallDeadlineTests {
    @Test("a call that never returns and ignores cancellation is abandoned at its deadline; its late result goes to the clean-up")
    func abandonsAtDeadline() async throws {
        let stuck = StuckCall()
        await #expect(throws: CallDeadlineExceeded.self) {
            _ = try await awaitAbandonable("stuck", deadline: .milliseconds(200)) {
                await stuck.call()
            } lateResult: { stuck.recordLate($0) }
        }
        #expect(try await eventually { stuck.isWaiting }, "the call must have started")
        #expect(stuck.late.isEmpty)
        stuck.answer(42)
        #expect(try await eventually { stuck.late.count == 1 })
        #expect((try? stuck.late.first?.get()) == 42)
    }

    @Test("the abandon signal ends the wait for a stuck call at once, and a later wait immediately")
    func abandonSignalEndsWait() async throws {
        let stuck = StuckCall()
        let signal = AbandonSignal()
        let waiting = Task {
            try await awaitAbandonable("stuck", deadline: .seconds(3_600), abandonOn: signal) {
                await stuck.call()
            } lateResult: { stuck.recordLate($0) }
        }
        #expect(try await eventually { stuck.isWaiting })
        signal.fire()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        await #expect(throws: CancellationError.self) {
            _ = try await awaitAbandonable("after", deadline: .seconds(3_600), abandonOn: signal) { await stuck.call() }
        }
        stuck.answer(7)
        #expect(try await eventually { stuck.late.count == 1 })
    }

    @Test("cancelling the waiting task ends the wait for a stuck call")
    func cancellationEndsWait() async throws {
        let stuck = StuckCall()
        let waiting = Task {
            try await awaitAbandonable("stuck", deadline: .seconds(3_600)) { await stuck.call() }
        }
        #expect(try await eventually { stuck.isWaiting })
        waiting.cancel()
        await #expect(throws: CancellationError.self) { try await waiting.value }
        stuck.answer(1)
    }

    @Test("a call answering in time returns its result (or error), and nothing goes to the clean-up")
    func answersInTime() async throws {
        let stuck = StuckCall()
        let value = try await awaitAbandonable("quick", deadline: .seconds(3_600)) { 5 } lateResult: { stuck.recordLate($0) }
        #expect(value == 5)
        struct Refused: Error {}
        await #expect(throws: Refused.self) {
            try await awaitAbandonable("refused", deadline: .seconds(3_600)) { () async throws -> Int in throw Refused() }
        }
        #expect(stuck.late.isEmpty)
    }

    @Test("an abandonable pause ends when the signal fires")
    func pauseEndsOnSignal() async throws {
        let signal = AbandonSignal()
        let pause = Task { await signal.sleep(for: .seconds(3_600)) }
        signal.fire()
        await pause.value
    }
}
