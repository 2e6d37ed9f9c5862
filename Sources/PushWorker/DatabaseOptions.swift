import ArgumentParser
import Foundation
import JobQueue

/// `--database-url`, falling back to `PUSHWORKER_DATABASE_URL`; shared by every command that
/// talks to PostgreSQL.
public struct DatabaseOptions: ParsableArguments {
    public static let environmentVariable = "PUSHWORKER_DATABASE_URL"

    @Option(name: .customLong("database-url"),
            help: "postgres://user:password@host:port/database?sslmode=disable|prefer|require|verify-ca|verify-full (default: $PUSHWORKER_DATABASE_URL)")
    public var databaseURL: String?

    public init() {}

    /// The parsed URL; a missing or malformed one is a usage error that never echoes the password.
    public func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> DatabaseURL {
        guard let text = databaseURL ?? environment[Self.environmentVariable], !text.isEmpty else {
            throw ValidationError("no database: pass --database-url or set \(Self.environmentVariable)")
        }
        do {
            return try DatabaseURL(parsing: text)
        } catch {
            throw ValidationError("\(error)")
        }
    }
}
