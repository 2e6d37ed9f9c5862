import ArgumentParser
import JobQueue
import PushWorker
import Testing
import TestSupport

@Suite struct MigrateCommandTests {
    @Test func migratesAnEmptyDatabaseAndIsSafeToRepeat() async throws {
        try await TestDatabase.withEmpty { client, url in
            for _ in 0..<2 {
                let command = try MigrateCommand.parse(["--database-url", url.revealingPassword])
                try await command.run()
            }
            let history = try await Migrator.bundled().history(client: client, logger: .quiet)
            #expect(history.map(\.version) == (try Migration.bundled()).map(\.version))
        }
    }

    @Test func needsADatabaseURL() throws {
        let options = try DatabaseOptions.parse([])
        #expect(throws: ValidationError.self) {
            try options.resolve(environment: [:])
        }
        let fromEnvironment = try options.resolve(environment: [DatabaseOptions.environmentVariable: "postgres://u@h/d"])
        #expect(fromEnvironment.database == "d")
    }

    @Test func aMalformedURLIsAUsageErrorWithoutThePassword() throws {
        let options = try DatabaseOptions.parse(["--database-url", "postgres://u:hunter2@h/d?sslmode=maybe"])
        #expect {
            try options.resolve(environment: [:])
        } throws: { error in
            let text = "\(error)"
            return text.contains("sslmode 'maybe'") && !text.contains("hunter2")
        }
    }
}
