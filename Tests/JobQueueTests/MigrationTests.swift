import Foundation
import JobQueue
import Logging
import PostgresNIO
import Testing
import TestSupport

@Suite struct MigrationTests {
    let logger = Logger.quiet

    @Test func bundledMigrationsMatchTheSourceFiles() throws {
        let source = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("migrations")
        let bundled = try Migration.bundled()
        #expect(!bundled.isEmpty)
        #expect(bundled == (try Migration.load(from: source)))
        #expect(bundled.map(\.version) == Array(1...bundled.count))
    }

    @Test func fromEmptyThenTwiceIsANoOp() async throws {
        try await TestDatabase.withEmpty { client, _ in
            let migrator = try Migrator.bundled()
            let first = try await migrator.migrate(client: client, logger: logger)
            #expect(first == migrator.migrations)
            let second = try await migrator.migrate(client: client, logger: logger)
            #expect(second.isEmpty)
            let history = try await migrator.history(client: client, logger: logger)
            #expect(history.map(\.name) == migrator.migrations.map(\.name))
        }
    }

    @Test func twoClientsAtOnceApplyEachMigrationOnce() async throws {
        try await TestDatabase.withEmpty { client, url in
            let migrator = try Migrator.bundled()
            try await withRunningClient(url.clientConfiguration(), logger: logger) { other in
                async let mine = migrator.migrate(client: client, logger: logger)
                async let theirs = migrator.migrate(client: other, logger: logger)
                let (a, b) = try await (mine, theirs)
                #expect(a.count + b.count == migrator.migrations.count)
                #expect(Set(a.map(\.version)).isDisjoint(with: b.map(\.version)))
            }
            let history = try await migrator.history(client: client, logger: logger)
            #expect(history.map(\.version) == migrator.migrations.map(\.version))
        }
    }

    @Test func refusesADatabaseNewerThanTheBinary() async throws {
        try await TestDatabase.withMigrated { client, _ in
            try await client.execute("INSERT INTO push.schema_migration (version, name) VALUES (999, '999_future')",
                                   logger: logger)
            let migrator = try Migrator.bundled()
            let latest = migrator.migrations.last!
            await #expect(throws: MigrationError.databaseNewer(
                databaseVersion: 999, databaseName: "999_future",
                binaryVersion: latest.version, binaryName: latest.name)) {
                try await migrator.migrate(client: client, logger: logger)
            }
            let error = MigrationError.databaseNewer(databaseVersion: 999, databaseName: "999_future",
                                                     binaryVersion: latest.version, binaryName: latest.name)
            #expect("\(error)".contains("migration 999 (999_future)"))
            #expect("\(error)".contains("up to \(latest.version) (\(latest.name))"))
        }
    }

    @Test func aFailingMigrationIsRolledBackAndNamed() async throws {
        try await TestDatabase.withEmpty { client, _ in
            let migrator = Migrator(migrations: [
                Migration(version: 1, name: "001_ok", sql: "CREATE TABLE push.a (x int);"),
                Migration(version: 2, name: "002_broken", sql: "CREATE TABLE push.b (y int); SELECT no_such_column FROM push.a;"),
            ])
            await #expect {
                try await migrator.migrate(client: client, logger: logger)
            } throws: { error in
                "\(error)".hasPrefix("migration 2 (002_broken) failed and was rolled back: column \"no_such_column\" does not exist")
            }
            let history = try await migrator.history(client: client, logger: logger)
            #expect(history.map(\.version) == [1])
            let tables = try await QueueFixtures(client: client).scalar(
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'push' AND tablename = 'b'", as: Int64.self)
            #expect(tables == 0)
        }
    }
}
