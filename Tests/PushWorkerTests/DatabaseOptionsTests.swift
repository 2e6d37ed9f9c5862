import ArgumentParser
import Foundation
import PushWorker
import Testing

@Suite struct DatabaseOptionsTests {
    private func secretFile(_ contents: String) throws -> String {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("pushworker-url-\(UUID().uuidString)").path
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func readsTheURLFromAFileAsMountedSecretsAreWritten() throws {
        let path = try secretFile("postgres://worker:s3cret@db.internal:5433/push?sslmode=require\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let fromFlag = try DatabaseOptions.parse(["--database-url-file", path]).resolve(environment: [:])
        #expect(fromFlag.host == "db.internal" && fromFlag.port == 5433 && fromFlag.database == "push")
        let fromEnvironment = try DatabaseOptions.parse([]).resolve(
            environment: [DatabaseOptions.fileEnvironmentVariable: path])
        #expect(fromEnvironment.database == "push")
        // The URL itself wins over the file when both are in the environment.
        let both = try DatabaseOptions.parse([]).resolve(environment: [
            DatabaseOptions.environmentVariable: "postgres://u@h/direct", DatabaseOptions.fileEnvironmentVariable: path,
        ])
        #expect(both.database == "direct")
    }

    @Test func aMissingOrMalformedFileIsAUsageErrorThatNeverShowsItsContents() throws {
        #expect {
            try DatabaseOptions.parse(["--database-url-file", "/nonexistent/pushworker-url"]).resolve(environment: [:])
        } throws: { error in
            "\(error)".contains("cannot read the database URL file /nonexistent/pushworker-url")
        }
        let path = try secretFile("postgres://u:hunter2@h/d?sslmode=maybe")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect {
            try DatabaseOptions.parse(["--database-url-file", path]).resolve(environment: [:])
        } throws: { error in
            "\(error)".contains("sslmode 'maybe'") && !"\(error)".contains("hunter2")
        }
    }

    @Test func refusesBothTheURLAndTheFile() {
        #expect(throws: (any Error).self) {
            try DatabaseOptions.parse(["--database-url", "postgres://u@h/d", "--database-url-file", "/tmp/x"])
        }
    }
}
