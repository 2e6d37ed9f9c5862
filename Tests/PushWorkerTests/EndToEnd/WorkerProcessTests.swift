import Foundation
import JobQueue
import MockGateway
import NIOCore
import NIOPosix
import Testing
import TestSupport

/// The `pushworker run` executable itself: flags, environment, and the signal handling.
@Suite("pushworker run as a process", .serialized)
struct WorkerProcessTests {
    @Test("SIGTERM mid-campaign: the process drains and exits 0; a later worker finishes with nothing lost or sent twice")
    func sigtermDrains() async throws {
        // A gateway that reads slowly keeps the campaign going long enough to stop it midway.
        let tokens = (0..<10_000).map { WorkerHarness.token($0, salt: 4) }
        try await WorkerHarness.with(faults: FaultPlan(readLatency: .milliseconds(5))) { harness in
            try await harness.makeApp("shop")
            let campaign = try await harness.enqueueCampaign(app: "shop", tokens: tokens)
            let log = try TestPKI.makeTemporaryDirectory(prefix: "pushworker-run") + "/worker.log"
            _ = FileManager.default.createFile(atPath: log, contents: nil)
            defer { try? FileManager.default.removeItem(atPath: (log as NSString).deletingLastPathComponent) }
            let process = Process()
            process.executableURL = try MigrateProcessesTests.executable()
            let metricsPort = try await Self.freePort()
            process.arguments = [
                "run", "--worker-id", "process-1", "--claim-batch", "2", "--max-jobs", "6", "--window", "512",
                "--metrics-port", "\(metricsPort)", "--metrics-host", "127.0.0.1", "--log-format", "json",
            ]
            process.environment = [
                "PUSHWORKER_DATABASE_URL": harness.url.revealingPassword,
                WorkerHarness.passphraseVariable: harness.pki.passphrase,
            ]
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
            process.standardOutput = process.standardError
            try process.run()
            let started = try await eventually(within: .seconds(60)) {
                try await harness.scalar("SELECT count(*) FROM push.outcome", as: Int64.self) > 0
            }
            #expect(started, "the worker recorded nothing: \(Self.read(log))")
            let health = try await RawHTTPClient.exchange(port: metricsPort, request: Self.get("/health"))
            #expect(health.hasPrefix("HTTP/1.1 200"), "\(health)")
            #expect(health.contains(#""status":"ok""#), "\(health)")
            let metrics = try await RawHTTPClient.exchange(port: metricsPort, request: Self.get("/metrics"))
            #expect(metrics.contains("pushworker_notifications_accepted_total "), "\(metrics.prefix(2_000))")
            #expect(metrics.contains("pushworker_jobs_recorded_total "), "\(metrics.prefix(2_000))")
            #expect(metrics.contains("pushworker_claim_seconds_bucket"), "\(metrics.prefix(2_000))")
            kill(process.processIdentifier, SIGTERM)
            let exited = try await eventually(within: .seconds(90)) { !process.isRunning }
            #expect(exited, "the worker did not exit after SIGTERM: \(Self.read(log))")
            guard exited else {
                process.terminate()
                return
            }
            #expect(process.terminationReason == .exit)
            #expect(process.terminationStatus == 0, "\(Self.read(log))")
            let output = Self.read(log)
            #expect(output.contains(#""message":"worker stopped""#), "\(output)")
            #expect(try await harness.scalar("SELECT count(*) FROM push.job WHERE state = 'running'", as: Int64.self) == 0)
            #expect(try await harness.scalar(
                "SELECT stopped_at IS NOT NULL FROM push.worker WHERE id = 'process-1'", as: Bool.self))
            let recorded = try await harness.scalar("SELECT count(*) FROM push.outcome", as: Int64.self)
            #expect(recorded < Int64(tokens.count), "the signal should come mid-campaign")

            try await harness.runUntilIdle(id: "finisher")
            let verdict = try harness.verdict(campaigns: [campaign])
            #expect(verdict.accepted == tokens.count && verdict.unaccounted == 0 && verdict.lost == 0, "\(verdict)")
            #expect(verdict.duplicates == 0, "\(verdict)")
        }
    }

    @Test("a database without the schema: a clear error and a non-zero exit, before anything is claimed")
    func refusesUnmigratedDatabase() async throws {
        try await TestDatabase.withEmpty { _, url in
            let process = Process()
            process.executableURL = try MigrateProcessesTests.executable()
            process.arguments = ["run", "--metrics-port", "0"]
            process.environment = ["PUSHWORKER_DATABASE_URL": url.revealingPassword]
            let output = Pipe()
            process.standardError = output
            process.standardOutput = output
            try process.run()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus != 0)
            #expect(text.contains("run `pushworker migrate` first"), "\(text)")
        }
    }

    static func get(_ path: String) -> String {
        "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    }

    /// A port nothing listens on right now (bound and released; another process could take it in
    /// between, which would fail the test loudly, never pass it).
    static func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 0
        try await channel.close()
        return port
    }

    static func read(_ path: String) -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)) ?? "(no log)"
    }
}
