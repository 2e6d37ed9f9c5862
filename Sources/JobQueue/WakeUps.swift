import Logging
import PostgresNIO

/// Why a worker should look for work now.
public enum WakeUp: Sendable, Equatable {
    /// The LISTEN connection is (again) established; notifications from now on arrive.
    case listening
    /// An enqueue call sent `NOTIFY push_jobs`; the payload is the campaign id.
    case notified(payload: String)
    /// The polling interval passed (covers a missed or impossible NOTIFY).
    case poll
}

/// Wake-ups for claim loops: LISTEN `push_jobs` on one dedicated connection, merged with a
/// polling timer so a missed notification costs at most one poll interval. The LISTEN connection
/// is re-established after failures; polling goes on meanwhile.
public struct WakeUpSource: Sendable {
    /// The channel the SQL API's enqueue functions notify, once per call.
    public static let channel = "push_jobs"

    public let client: PostgresClient
    public let pollInterval: Duration
    /// Pause before re-establishing a lost LISTEN connection.
    public let reconnectDelay: Duration
    let logger: Logger

    public init(client: PostgresClient, pollInterval: Duration = .seconds(1),
                reconnectDelay: Duration = .seconds(1), logger: Logger) {
        self.client = client
        self.pollInterval = pollInterval
        self.reconnectDelay = reconnectDelay
        self.logger = logger
    }

    /// Runs `body` with the wake-up sequence; listening and polling stop when `body` returns.
    /// Pending wake-ups coalesce: a slow consumer sees one, not a backlog.
    public func withWakeUps<Result: Sendable>(
        _ body: (AsyncStream<WakeUp>) async throws -> Result
    ) async throws -> Result {
        let (stream, continuation) = AsyncStream.makeStream(of: WakeUp.self, bufferingPolicy: .bufferingNewest(1))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await self.listen(into: continuation) }
            group.addTask { await self.poll(into: continuation) }
            defer {
                group.cancelAll()
                continuation.finish()
            }
            return try await body(stream)
        }
    }

    private func listen(into continuation: AsyncStream<WakeUp>.Continuation) async {
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    try await connection.listen(on: Self.channel) { notifications in
                        continuation.yield(.listening)
                        for try await notification in notifications {
                            continuation.yield(.notified(payload: notification.payload))
                        }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                logger.warning("LISTEN connection lost; polling until it is back",
                               metadata: ["error": "\(PostgresErrorText.message(of: error))"])
            }
            try? await Task.sleep(for: reconnectDelay)
        }
    }

    private func poll(into continuation: AsyncStream<WakeUp>.Continuation) async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: pollInterval)
            } catch {
                return
            }
            continuation.yield(.poll)
        }
    }
}
