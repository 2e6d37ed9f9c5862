import Logging
import NIOConcurrencyHelpers

/// A call given up because its deadline passed; the call itself may still be running.
struct CallDeadlineExceeded: Error, CustomStringConvertible {
    /// What was called (e.g. `claim`).
    let call: String
    let deadline: Duration

    var description: String { "\(call) did not answer within \(deadline); abandoned" }
}

/// Tells everyone waiting in ``awaitAbandonable(_:deadline:abandonOn:operation:lateResult:)`` to
/// give up now, and ends ``sleep(for:)``: the claim loop fires it on stop, so that a call that
/// never returns cannot hold up a shutdown. Once fired it stays fired.
final class AbandonSignal: Sendable {
    private struct State {
        var isFired = false
        var nextID = 0
        var handlers: [Int: @Sendable () -> Void] = [:]
    }

    private let state = NIOLockedValueBox(State())

    init() {}

    var isFired: Bool { state.withLockedValue { $0.isFired } }

    /// Runs every registered handler once; later registrations run at once.
    func fire() {
        let handlers = state.withLockedValue { state -> [@Sendable () -> Void] in
            guard !state.isFired else { return [] }
            state.isFired = true
            defer { state.handlers.removeAll() }
            return Array(state.handlers.values)
        }
        for handler in handlers { handler() }
    }

    /// Registers `handler` to run on ``fire()``; runs it now (and returns `nil`) when already fired.
    func onFire(_ handler: @escaping @Sendable () -> Void) -> Int? {
        let id = state.withLockedValue { state -> Int? in
            guard !state.isFired else { return nil }
            state.nextID += 1
            state.handlers[state.nextID] = handler
            return state.nextID
        }
        if id == nil { handler() }
        return id
    }

    func removeHandler(_ id: Int?) {
        guard let id else { return }
        _ = state.withLockedValue { $0.handlers.removeValue(forKey: id) }
    }

    /// Sleeps for `duration`, or until the signal fires or the task is cancelled.
    func sleep(for duration: Duration) async {
        let sleeper = Task { try? await Task.sleep(for: duration) }
        let id = onFire { sleeper.cancel() }
        await withTaskCancellationHandler {
            await sleeper.value
        } onCancel: {
            sleeper.cancel()
        }
        removeHandler(id)
    }
}

/// Runs `operation` in a task of its own and returns its result — unless `deadline` passes first
/// (throws ``CallDeadlineExceeded``), or `signal` fires or the calling task is cancelled
/// (throws `CancellationError`). The caller never waits for an operation it gave up on:
/// structured concurrency would wait for a child that ignores cancellation, so the operation is
/// not a child, and it is not cancelled either (a cancelled claim could lease jobs and still
/// throw). When it finishes after being given up, its result goes to `lateResult` instead,
/// which must undo whatever the result holds (e.g. hand claimed jobs back).
func awaitAbandonable<Value: Sendable>(
    _ call: String,
    deadline: Duration,
    abandonOn signal: AbandonSignal? = nil,
    operation: @escaping @Sendable () async throws -> Value,
    lateResult: @escaping @Sendable (Result<Value, any Error>) async -> Void = { _ in }
) async throws -> Value {
    let race = FirstResult<Value>()
    Task {
        let result: Result<Value, any Error>
        do {
            result = .success(try await operation())
        } catch {
            result = .failure(error)
        }
        if !race.settle(result) {
            await lateResult(result)
        }
    }
    let timer = Task {
        guard (try? await Task.sleep(for: deadline)) != nil else { return }
        race.settle(.failure(CallDeadlineExceeded(call: call, deadline: deadline)))
    }
    let registration = signal?.onFire { race.settle(.failure(CancellationError())) }
    defer {
        timer.cancel()
        signal?.removeHandler(registration)
    }
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { race.wait(with: $0) }
    } onCancel: {
        race.settle(.failure(CancellationError()))
    }
}

/// The meeting point of ``awaitAbandonable(_:deadline:abandonOn:operation:lateResult:)``: the
/// first result settles it and resumes the waiter (whether it arrived before or after the
/// waiter), later ones are refused.
private final class FirstResult<Value: Sendable>: Sendable {
    private struct State {
        var isSettled = false
        var waiter: CheckedContinuation<Value, any Error>?
        var early: Result<Value, any Error>?
    }

    private let state = NIOLockedValueBox(State())

    /// `true` when `result` came first and was delivered.
    @discardableResult
    func settle(_ result: Result<Value, any Error>) -> Bool {
        let (first, waiter) = state.withLockedValue { state -> (Bool, CheckedContinuation<Value, any Error>?) in
            guard !state.isSettled else { return (false, nil) }
            state.isSettled = true
            guard let waiter = state.waiter else {
                state.early = result
                return (true, nil)
            }
            state.waiter = nil
            return (true, waiter)
        }
        waiter?.resume(with: result)
        return first
    }

    func wait(with continuation: CheckedContinuation<Value, any Error>) {
        let early = state.withLockedValue { state -> Result<Value, any Error>? in
            guard let early = state.early else {
                state.waiter = continuation
                return nil
            }
            state.early = nil
            return early
        }
        if let early { continuation.resume(with: early) }
    }
}

/// The deadline every database call of the claim loop runs under (the loop's queries, the app
/// and campaign lookups its senders make on its behalf): a call that does not answer within
/// `limit` is abandoned with a warning naming it, and ``abandonAll()`` (the loop's stop) ends
/// every such wait at once.
struct DatabaseCallDeadline: Sendable {
    let limit: Duration
    let logger: Logger
    private let signal = AbandonSignal()

    init(limit: Duration, logger: Logger) {
        self.limit = limit
        self.logger = logger
    }

    /// Runs `operation` under the deadline; see ``awaitAbandonable(_:deadline:abandonOn:operation:lateResult:)``.
    func run<Value: Sendable>(
        _ call: String,
        operation: @escaping @Sendable () async throws -> Value,
        lateResult: @escaping @Sendable (Result<Value, any Error>) async -> Void = { _ in }
    ) async throws -> Value {
        do {
            return try await awaitAbandonable(call, deadline: limit, abandonOn: signal, operation: operation, lateResult: lateResult)
        } catch let exceeded as CallDeadlineExceeded {
            logger.warning("database call did not answer in time; abandoned it", metadata: [
                "call": "\(exceeded.call)", "deadline": "\(exceeded.deadline)",
            ])
            throw exceeded
        }
    }

    /// Sleeps for `duration` unless ``abandonAll()`` ends it sooner.
    func pause(for duration: Duration) async {
        await signal.sleep(for: duration)
    }

    /// Ends every wait under this deadline now and from now on.
    func abandonAll() {
        signal.fire()
    }

    var isAbandoned: Bool { signal.isFired }
}
