import Foundation
import JobQueue
import Logging
@testable import PushWorker
import ServiceLifecycle
import Testing
import TestSupport

@Suite struct FeedbackScheduleTests {
    final class PassCounter: @unchecked Sendable {
        private let lock = NSLock()
        private var passes = 0
        func increment() { lock.withLock { passes += 1 } }
        var count: Int { lock.withLock { passes } }
    }

    @Test func runsAPassAtOnceAndStopsOnGracefulShutdownWithoutWaitingForTheNext() async throws {
        let counter = PassCounter()
        let schedule = FeedbackSchedule(every: .seconds(3600), logger: .quiet) { counter.increment() }
        let group = ServiceGroup(services: [schedule], gracefulShutdownSignals: [], cancellationSignals: [], logger: .quiet)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            #expect(try await eventually { counter.count == 1 })
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(counter.count == 1)
    }

    @Test func intervals() {
        #expect(RepeatInterval(argument: "30s")?.duration == .seconds(30))
        #expect(RepeatInterval(argument: "15m")?.duration == .seconds(900))
        #expect(RepeatInterval(argument: "1h")?.duration == .seconds(3600))
        #expect(RepeatInterval(argument: "1h30m")?.duration == .seconds(5400))
        #expect(RepeatInterval(argument: "2d")?.duration == .seconds(172_800))
        for refused in ["", "0s", "10", "1x", "h", "-5m", "1.5h", "1h 30m", "9999999999999999999h", "400d"] {
            #expect(RepeatInterval(argument: refused) == nil, "\(refused)")
        }
    }

    @Test func scriptLinesQuoteWhatNeedsIt() {
        let failure = FeedbackAppOutcome(
            app: "my app", result: .failure(FeedbackAppFailure(kind: .unreachable, message: #"say "hi" \ bye"#)))
        #expect(failure.line == #"feedback app="my app" failed=unreachable error="say \"hi\" \\ bye""#)
        #expect(failure.summary == #"my app: FAILED: say "hi" \ bye"#)
    }
}

/// `/health` of `pushworker feedback --every`.
@Suite struct FeedbackPassesTests {
    struct DatabaseDown: Error, CustomStringConvertible {
        var description: String { "cannot connect to postgres://feedback@db/push" }
    }

    @Test func unhealthyUntilAPassFinishesAndWhenAPassCouldNotRun() async {
        let passes = FeedbackPasses()
        #expect(await passes.health().isHealthy == false)
        await passes.finished([
            FeedbackAppOutcome(app: "shop", result: .success(FeedbackTally())),
            FeedbackAppOutcome(app: "legacy", result: .failure(FeedbackAppFailure(kind: .credentials, message: "app legacy: x"))),
        ])
        let healthy = await passes.health()
        #expect(healthy.isHealthy)
        #expect(healthy.details["failed_apps"] == "legacy")
        #expect(healthy.details["last_pass"] != nil)
        await passes.failed(DatabaseDown())
        let unhealthy = await passes.health()
        #expect(!unhealthy.isHealthy)
        #expect(unhealthy.reason == "cannot connect to postgres://feedback@db/push")
    }
}
