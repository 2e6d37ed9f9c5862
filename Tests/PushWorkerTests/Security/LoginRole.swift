import JobQueue
import PostgresNIO
import Testing
import TestSupport

/// A throwaway login role that is a member of one of the group roles of migration 006, with a
/// running client connected as it to the test database. Roles are cluster-wide, so the name is
/// unique per test and the role is dropped afterwards.
enum LoginRole {
    static func with<Result: Sendable>(
        granted group: String, database url: DatabaseURL, admin: PostgresClient,
        _ body: (PostgresClient) async throws -> Result
    ) async throws -> Result {
        // Only digits and fixed words: safe to splice, as role names cannot be bound parameters.
        let name = "pushworker_login_\(UInt64.random(in: 0...UInt64.max) % 1_000_000_000_000)"
        try await admin.execute("CREATE ROLE \(unescaped: name) LOGIN IN ROLE \(unescaped: group)", logger: .quiet)
        var login = url
        login.username = name
        login.password = nil
        do {
            let result = try await withRunningClient(login.clientConfiguration(), logger: .quiet, body)
            try await admin.execute("DROP ROLE \(unescaped: name)", logger: .quiet)
            return result
        } catch {
            try? await admin.execute("DROP ROLE \(unescaped: name)", logger: .quiet)
            throw error
        }
    }

    /// Runs `statement` and expects the server to refuse it with SQLSTATE 42501
    /// (insufficient_privilege).
    static func expectRefused(_ statement: PostgresQuery, on client: PostgresClient,
                              sourceLocation: SourceLocation = #_sourceLocation) async {
        do {
            try await client.execute(statement, logger: .quiet)
            Issue.record("expected SQLSTATE 42501, the statement succeeded: \(statement.sql)", sourceLocation: sourceLocation)
        } catch {
            #expect(PostgresErrorText.sqlState(of: error) == "42501",
                    "\(statement.sql): \(PostgresErrorText.message(of: error))", sourceLocation: sourceLocation)
        }
    }
}
