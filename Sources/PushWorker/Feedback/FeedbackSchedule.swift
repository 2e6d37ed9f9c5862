import Logging
import ServiceLifecycle

/// Runs the feedback job now and then every `interval`, until graceful shutdown (SIGTERM/SIGINT
/// in `pushworker feedback --every`). A pass in progress when the signal arrives is finished
/// (its reads and statements are bounded); the wait between passes ends at once.
public struct FeedbackSchedule: Service {
    let interval: Duration
    let pass: @Sendable () async -> Void
    let logger: Logger

    /// - Parameter pass: one run of the job; it handles and reports its own failures.
    public init(every interval: Duration, logger: Logger, pass: @escaping @Sendable () async -> Void) {
        self.interval = interval
        self.pass = pass
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            await pass()
            do {
                try await cancelWhenGracefulShutdown {
                    try await Task.sleep(for: interval)
                }
            } catch {
                break
            }
        }
        logger.info("feedback schedule stopped")
    }
}
