import ArgumentParser
import JobQueue
import Logging
import PostgresNIO

/// `pushworker migrate`: applies the migrations embedded in this binary that the database lacks.
public struct MigrateCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Create or upgrade the push schema in PostgreSQL.",
        discussion: """
            Applies the missing migrations in order, each in its own transaction, and records them in \
            push.schema_migration. Safe to run twice and from several hosts at once (an advisory lock \
            serialises them). Refuses a database that has migrations this binary does not know.
            """
    )

    @OptionGroup public var database: DatabaseOptions

    @Flag(help: "Only show which migrations are applied and which are pending.")
    public var status = false

    public init() {}

    public func run() async throws {
        let url = try database.resolve()
        var logger = Logger(label: "pushworker.migrate")
        logger.logLevel = .error
        let migrator = try Migrator.bundled()
        do {
            try await url.probe(logger: logger)
        } catch {
            throw MigrateFailure(message: "cannot connect to \(url): \(PostgresErrorText.message(of: error))")
        }
        let client = PostgresClient(configuration: url.clientConfiguration(), backgroundLogger: logger)
        let lines = try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            do {
                return try await report(migrator: migrator, client: client, logger: logger)
            } catch {
                throw MigrateFailure(message: "\(url): \(Self.describe(error))")
            }
        }
        for line in lines {
            print(line)
        }
    }

    private func report(migrator: Migrator, client: PostgresClient, logger: Logger) async throws -> [String] {
        if status {
            let applied = Set(try await migrator.history(client: client, logger: logger).map(\.version))
            return migrator.migrations.map { "\(applied.contains($0.version) ? "applied" : "pending") \($0.name)" }
        }
        let applied = try await migrator.migrate(client: client, logger: logger)
        let latest = migrator.migrations.last.map { "\($0.version) (\($0.name))" } ?? "none"
        return applied.map { "applied \($0.name)" } + ["database is current at migration \(latest)"]
    }

    static func describe(_ error: any Error) -> String {
        if let migration = error as? MigrationError { return "\(migration)" }
        return PostgresErrorText.message(of: error)
    }
}

/// A failed migrate run: printed as one line, exit status 1.
struct MigrateFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { "migrate failed: \(message)" }
}
