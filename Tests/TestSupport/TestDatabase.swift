import Foundation
import JobQueue
import Logging
import PostgresNIO

/// A fresh PostgreSQL database for one test, on the server named by `PUSHWORKER_TEST_DATABASE_URL`
/// (`scripts/test` starts a throwaway cluster and sets it). Each database gets a unique name, is
/// migrated (unless asked not to) and dropped afterwards, whatever the outcome.
public enum TestDatabase {
    public static let environmentVariable = "PUSHWORKER_TEST_DATABASE_URL"

    /// The server URL; throws a loud error when the variable is missing: database tests fail,
    /// they never skip.
    public static func serverURL() throws -> DatabaseURL {
        guard let text = ProcessInfo.processInfo.environment[environmentVariable], !text.isEmpty else {
            throw TestDatabaseError.missingURL
        }
        return try DatabaseURL(parsing: text)
    }

    /// Runs `body` with a running client on a new, migrated database.
    public static func withMigrated<Result: Sendable>(
        maximumConnections: Int = 20,
        _ body: (PostgresClient, DatabaseURL) async throws -> Result
    ) async throws -> Result {
        try await withFresh(migrated: true, maximumConnections: maximumConnections, body)
    }

    /// Runs `body` with a running client on a new, empty database (for migration tests).
    public static func withEmpty<Result: Sendable>(
        _ body: (PostgresClient, DatabaseURL) async throws -> Result
    ) async throws -> Result {
        try await withFresh(migrated: false, maximumConnections: 20, body)
    }

    private static func withFresh<Result: Sendable>(
        migrated: Bool, maximumConnections: Int,
        _ body: (PostgresClient, DatabaseURL) async throws -> Result
    ) async throws -> Result {
        let server = try serverURL()
        let name = "pushworker_test_\(UInt64.random(in: 0...UInt64.max) % 1_000_000_000_000)"
        let logger = Logger.quiet
        _ = try await withRunningClient(server.clientConfiguration(), logger: logger) { admin in
            try await admin.execute("CREATE DATABASE \(unescaped: name)", logger: logger)
        }
        let url = server.with(database: name)
        var configuration = url.clientConfiguration()
        configuration.options.maximumConnections = maximumConnections
        let outcome: Result
        do {
            outcome = try await withRunningClient(configuration, logger: logger) { client in
                if migrated {
                    try await Migrator.bundled().migrate(client: client, logger: logger)
                }
                return try await body(client, url)
            }
        } catch {
            try? await drop(name, on: server)
            throw error
        }
        try await drop(name, on: server)
        return outcome
    }

    private static func drop(_ name: String, on server: DatabaseURL) async throws {
        _ = try await withRunningClient(server.clientConfiguration(), logger: .quiet) { admin in
            try await admin.execute("DROP DATABASE IF EXISTS \(unescaped: name) WITH (FORCE)", logger: .quiet)
        }
    }
}

/// Runs `body` while a `PostgresClient` for `configuration` is running; stops it afterwards.
public func withRunningClient<Result: Sendable>(
    _ configuration: PostgresClient.Configuration,
    logger: Logger,
    _ body: (PostgresClient) async throws -> Result
) async throws -> Result {
    let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { await client.run() }
        defer { group.cancelAll() }
        return try await body(client)
    }
}

public enum TestDatabaseError: Error, CustomStringConvertible {
    case missingURL

    public var description: String {
        "\(TestDatabase.environmentVariable) is not set: database tests need a PostgreSQL server. "
            + "Run them with scripts/test, which starts a throwaway cluster."
    }
}

extension Logger {
    /// A logger that drops everything below warnings (tests keep their output readable).
    public static var quiet: Logger {
        var logger = Logger(label: "pushworker.test")
        logger.logLevel = ProcessInfo.processInfo.environment["PUSHWORKER_TEST_LOG"] == nil ? .critical : .debug
        return logger
    }
}
