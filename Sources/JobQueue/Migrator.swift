import Logging
import PostgresNIO

/// Applies the missing migrations, each in its own transaction, recorded in
/// `push.schema_migration`.
///
/// Every transaction first takes a transaction-scoped advisory lock, so migrators started at once
/// on several hosts run one after the other and each migration is applied exactly once. A database
/// that has a migration this binary does not know is refused before anything is changed.
public struct Migrator: Sendable {
    /// Advisory lock key: the bytes of "pushmigr".
    static let lockKey: Int64 = 0x7075_7368_6D69_6772

    public let migrations: [Migration]

    public init(migrations: [Migration]) {
        self.migrations = migrations
    }

    /// A migrator for the migrations embedded in this binary.
    public static func bundled() throws -> Migrator {
        Migrator(migrations: try Migration.bundled())
    }

    /// Applies what is missing; returns the migrations applied by this call (empty when current).
    @discardableResult
    public func migrate(client: PostgresClient, logger: Logger) async throws -> [Migration] {
        try await checkHistory(client: client, logger: logger)
        var applied: [Migration] = []
        for migration in migrations {
            if try await apply(migration, client: client, logger: logger) {
                applied.append(migration)
            }
        }
        return applied
    }

    /// The (version, name) pairs recorded in the database; empty for a database never migrated.
    /// Read-only (no lock, no DDL), so a role granted only `pushworker_worker` may call it.
    public func history(client: PostgresClient, logger: Logger) async throws -> [(version: Int, name: String)] {
        try await client.withConnection { connection in
            let exists = try await connection.query(MigrationQueries.historyExists, logger: logger)
                .decode(Bool.self).first { _ in true } ?? false
            return exists ? try await readHistory(connection, logger: logger) : []
        }
    }

    private func checkHistory(client: PostgresClient, logger: Logger) async throws {
        let recorded = try await history(client: client, logger: logger)
        try verify(recorded)
    }

    /// Refuses a database newer than the binary, or one whose history differs.
    func verify(_ recorded: [(version: Int, name: String)]) throws {
        let known = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0.name) })
        let latest = migrations.last
        for entry in recorded {
            guard let name = known[entry.version] else {
                let newest = recorded.max { $0.version < $1.version } ?? entry
                throw MigrationError.databaseNewer(
                    databaseVersion: newest.version, databaseName: newest.name,
                    binaryVersion: latest?.version ?? 0, binaryName: latest?.name ?? "none")
            }
            guard name == entry.name else {
                throw MigrationError.mismatch(version: entry.version, databaseName: entry.name, binaryName: name)
            }
        }
    }

    /// Applies one migration unless another migrator already did; true when this call applied it.
    private func apply(_ migration: Migration, client: PostgresClient, logger: Logger) async throws -> Bool {
        do {
            return try await client.withTransaction(logger: logger) { connection in
                try await prepareHistory(connection, logger: logger)
                let recorded = try await readHistory(connection, logger: logger)
                try verify(recorded)
                if recorded.contains(where: { $0.version == migration.version }) {
                    return false
                }
                logger.info("applying migration", metadata: ["migration": "\(migration.name)"])
                try await connection.execute(MigrationQueries.createScriptRunner, logger: logger)
                try await connection.execute(MigrationQueries.runScript(migration.sql), logger: logger)
                try await connection.execute(
                    MigrationQueries.recordApplied(version: Int32(migration.version), name: migration.name),
                    logger: logger)
                return true
            }
        } catch let error as PostgresTransactionError {
            if let migrationError = error.closureError as? MigrationError {
                throw migrationError
            }
            let underlying = error.closureError ?? error.commitError ?? error.beginError ?? error
            throw MigrationError.failed(version: migration.version, name: migration.name,
                                        message: PostgresErrorText.message(of: underlying))
        }
    }

    private func prepareHistory(_ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.execute(MigrationQueries.lock(key: Self.lockKey), logger: logger)
        try await connection.execute(MigrationQueries.createSchema, logger: logger)
        try await connection.execute(MigrationQueries.createHistory, logger: logger)
    }

    private func readHistory(_ connection: PostgresConnection, logger: Logger) async throws -> [(version: Int, name: String)] {
        var recorded: [(version: Int, name: String)] = []
        for try await (version, name) in try await connection.query(MigrationQueries.history, logger: logger)
            .decode((Int32, String).self) {
            recorded.append((Int(version), name))
        }
        return recorded
    }
}
