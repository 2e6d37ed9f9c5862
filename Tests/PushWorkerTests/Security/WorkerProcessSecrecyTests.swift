import Foundation
import JobQueue
import Testing
import TestSupport

/// The `pushworker run` executable at `--log-level trace`, connected as a login role granted only
/// `pushworker_worker`: a wrong then the right passphrase; its whole output must hold neither
/// passphrase nor key material, and the campaign must be sent.
@Suite("Worker process: worker role, no secrets on stderr", .serialized)
struct WorkerProcessSecrecyTests {
    /// Runs `pushworker run --exit-when-idle` until it exits; returns its status and output.
    static func run(url: DatabaseURL, passphrase: String) async throws -> (status: Int32, output: String) {
        let directory = try TestPKI.makeTemporaryDirectory(prefix: "pushworker-secrecy")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let log = directory + "/worker.log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let process = Process()
        process.executableURL = try MigrateProcessesTests.executable()
        process.arguments = ["run", "--exit-when-idle", "--log-level", "trace", "--metrics-port", "0",
                             "--claim-batch", "2", "--max-jobs", "6", "--window", "512"]
        process.environment = [
            "PUSHWORKER_DATABASE_URL": url.revealingPassword,
            WorkerHarness.passphraseVariable: passphrase,
        ]
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = process.standardError
        try process.run()
        let exited = try await eventually(within: .seconds(120)) { !process.isRunning }
        if !exited { process.terminate() }
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(exited, "the worker did not exit when idle: \(output.suffix(2_000))")
        return (process.terminationStatus, output)
    }

    @Test("pushworker run under the worker role at trace level: wrong then right passphrase, no secret in its output")
    func processUnderWorkerRole() async throws {
        try await WorkerHarness.with { harness in
            try await harness.makeApp("secretive")
            let tokens = (0..<300).map { WorkerHarness.token($0, salt: 51) }
            let campaign = try await harness.enqueueCampaign(app: "secretive", tokens: tokens)
            try await LoginRole.with(granted: "pushworker_worker", database: harness.url, admin: harness.client) { client in
                var url = harness.url
                url.username = try await {
                    for try await name in try await client.query("SELECT current_user::text", logger: .quiet).decode(String.self) {
                        return name
                    }
                    throw HarnessError("no current_user")
                }()
                url.password = nil

                let failed = try await Self.run(url: url, passphrase: LogSecrecyTests.wrongPassphrase)
                #expect(failed.status == 0, "\(failed.output.suffix(2_000))")
                #expect(try await harness.outcomes(campaign: campaign).isEmpty)
                let sent = try await Self.run(url: url, passphrase: harness.pki.passphrase)
                #expect(sent.status == 0, "\(sent.output.suffix(2_000))")
                #expect(try await harness.outcomes(campaign: campaign).count == tokens.count, "\(sent.output.suffix(2_000))")

                let output = failed.output + sent.output
                #expect(output.contains("trace") || output.contains("debug"), "the run must have logged below info")
                for secret in try LogSecrecyTests.secrets(of: harness.pki) where output.contains(secret) {
                    Issue.record("the worker's output contains secret text \(secret.prefix(8))…")
                }
            }
        }
    }
}
