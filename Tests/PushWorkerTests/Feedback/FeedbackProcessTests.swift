import Foundation
import JobQueue
import Testing
import TestSupport

/// `pushworker feedback` as an operator runs it: a separate process, output and exit status.
@Suite(.timeLimit(.minutes(3))) struct FeedbackProcessTests {
    static func start(_ arguments: [String], fixture: FeedbackFixture, environment: [String: String] = [:]) throws
        -> (Process, Pipe, Pipe)
    {
        let process = Process()
        process.executableURL = try MigrateProcessesTests.executable()
        process.arguments = ["feedback"] + arguments
        process.environment = [
            "PUSHWORKER_DATABASE_URL": fixture.url.revealingPassword,
            FeedbackFixture.passphraseVariable: fixture.pki.passphrase,
        ].merging(environment) { $1 }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        return (process, output, errors)
    }

    @Test("one pass: counts per app, a line per app for scripts, exit 1 because one app's passphrase is wrong")
    func onePassReportsEachAppAndFailsForTheBrokenOne() async throws {
        try await FeedbackFixture.with { fixture in
            try await fixture.makeApp("good")
            try await fixture.makeApp("badpass", passphraseVariable: "BAD_FEEDBACK_PASS")
            let (process, output, errors) = try Self.start(
                [], fixture: fixture, environment: ["BAD_FEEDBACK_PASS": "not the passphrase"])
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 1, "\(text)\(errorText)")
            let lines = text.split(separator: "\n").map(String.init)
            #expect(lines.contains("good: 3 read, 1 disabled, 1 kept (registered again later), 1 unknown, 0 already disabled, 0 repeated"))
            #expect(lines.contains("feedback app=good read=3 disabled=1 kept=1 unknown=1 already_disabled=0 repeated=0"))
            #expect(lines.contains { $0.hasPrefix("feedback app=badpass failed=credentials error=\"app badpass: ") }, "\(text)")
            #expect(!text.contains("not the passphrase") && !errorText.contains("not the passphrase"))
        }
    }

    @Test("--every runs a pass at once and SIGTERM stops it cleanly with exit 0")
    func everyStopsCleanlyOnSIGTERM() async throws {
        try await FeedbackFixture.with { fixture in
            try await fixture.makeApp("good")
            let (process, output, _) = try Self.start(["--every", "1h"], fixture: fixture)
            let reader = LineCollector(output.fileHandleForReading)
            let passed = try await eventually(within: .seconds(60)) {
                reader.text.contains("feedback app=good read=3 disabled=1 kept=1 unknown=1")
            }
            #expect(passed, "\(reader.text)")
            #expect(process.isRunning)
            process.terminate()
            let exited = try await eventually(within: .seconds(30)) { !process.isRunning }
            #expect(exited)
            process.waitUntilExit()
            #expect(process.terminationReason == .exit)
            #expect(process.terminationStatus == 0)
        }
    }
}

/// Collects what a pipe delivers, as it arrives.
final class LineCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()

    init(_ handle: FileHandle) {
        handle.readabilityHandler = { [weak self] handle in
            let chunk = handle.availableData
            if chunk.isEmpty {
                handle.readabilityHandler = nil
            }
            self?.append(chunk)
        }
    }

    private func append(_ chunk: Data) {
        lock.withLock { data.append(chunk) }
    }

    var text: String { lock.withLock { String(decoding: data, as: UTF8.self) } }
}
