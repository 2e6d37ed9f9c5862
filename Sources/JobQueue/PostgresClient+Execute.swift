import Logging
import PostgresNIO

// PostgresNIO reports a statement's error while its rows are read, so a statement whose rows are
// not needed must still be drained; these helpers do that.

extension PostgresClient {
    /// Runs a statement and reads (discards) its rows, so any server error is thrown here.
    public func execute(_ query: PostgresQuery, logger: Logger) async throws {
        for try await _ in try await self.query(query, logger: logger) {}
    }
}

extension PostgresConnection {
    /// Runs a statement and reads (discards) its rows, so any server error is thrown here.
    public func execute(_ query: PostgresQuery, logger: Logger) async throws {
        for try await _ in try await self.query(query, logger: logger) {}
    }
}
