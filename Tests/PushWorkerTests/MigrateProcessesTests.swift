import Foundation
import JobQueue
import Testing
import TestSupport

/// Two `pushworker migrate` processes started at once against one empty database: both succeed,
/// every migration is applied once.
@Suite struct MigrateProcessesTests {
    /// The `pushworker` executable SwiftPM built next to the test bundle.
    static func executable() throws -> URL {
        var directory = Bundle.main.bundleURL
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("pushworker")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        throw ExecutableMissing(searchedFrom: Bundle.main.bundleURL.path)
    }

    struct ExecutableMissing: Error, CustomStringConvertible {
        let searchedFrom: String
        var description: String { "pushworker executable not found near \(searchedFrom); build it with swift build" }
    }

    @Test func twoProcessesAtOnce() async throws {
        let executable = try Self.executable()
        try await TestDatabase.withEmpty { client, url in
            let processes = try (0..<2).map { _ in
                let process = Process()
                process.executableURL = executable
                process.arguments = ["migrate"]
                process.environment = ["PUSHWORKER_DATABASE_URL": url.revealingPassword]
                let output = Pipe()
                process.standardOutput = output
                process.standardError = output
                try process.run()
                return (process, output)
            }
            var printed: [String] = []
            for (process, output) in processes {
                let data = output.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                let text = String(decoding: data, as: UTF8.self)
                #expect(process.terminationStatus == 0, "\(text)")
                printed.append(text)
            }
            let latest = try #require(try Migration.bundled().last)
            for text in printed {
                #expect(text.contains("database is current at migration \(latest.version) (\(latest.name))"))
            }
            let applied = printed.joined().components(separatedBy: "\n").filter { $0.hasPrefix("applied ") }
            #expect(applied.sorted() == (try Migration.bundled()).map { "applied \($0.name)" }.sorted())
            let history = try await Migrator.bundled().history(client: client, logger: .quiet)
            #expect(history.count == latest.version)
        }
    }
}
