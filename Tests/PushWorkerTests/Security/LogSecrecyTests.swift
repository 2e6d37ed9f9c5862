import Foundation
import JobQueue
import Testing
import TestSupport

/// No passphrase and no private-key material in the logs, at any level: the worker and the
/// feedback job run at trace level with a wrong and then the right passphrase, and everything they
/// log is searched.
@Suite("No secrets in logs", .serialized)
struct LogSecrecyTests {
    static let wrongPassphrase = "wrong-secret-4711-passphrase"

    /// Text that must never be logged: both passphrases, PEM markers, and every base64 line of the
    /// client's private key and of the `.p12` file.
    static func secrets(of pki: TestPKI) throws -> [String] {
        let keyLines = try String(contentsOfFile: pki.files.clientKey, encoding: .utf8)
            .split(separator: "\n").filter { !$0.hasPrefix("-----") && $0.count >= 16 }.map(String.init)
        let p12 = try Data(contentsOf: URL(fileURLWithPath: pki.files.clientPKCS12)).base64EncodedString()
        let p12Pieces = stride(from: 0, to: p12.count - 24, by: 24).map {
            String(p12.dropFirst($0).prefix(24))
        }
        #expect(!keyLines.isEmpty && !p12Pieces.isEmpty, "the secrets to look for must not be empty")
        return [pki.passphrase, wrongPassphrase, "PRIVATE KEY", "-----BEGIN"] + keyLines + p12Pieces
    }

    static func expectNoSecrets(in log: CapturedLog, pki: TestPKI, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let text = log.text
        for secret in try secrets(of: pki) where text.contains(secret) {
            let lines = text.split(separator: "\n").filter { $0.contains(secret) }
            let where_ = lines.prefix(3).map { line in
                line.replacingOccurrences(of: secret, with: "<SECRET>").prefix(300)
            }
            Issue.record("the log contains secret text (\(lines.count) lines), e.g. \(where_)", sourceLocation: sourceLocation)
        }
    }

    @Test("the worker at trace level, with a wrong then the right passphrase, logs neither passphrase nor key")
    func workerLogs() async throws {
        try await WorkerHarness.with { harness in
            let log = CapturedLog()
            var traced = harness
            traced.logger = log.logger(label: "pushworker.worker")
            try await traced.makeApp("secretive")
            let tokens = (0..<200).map { WorkerHarness.token($0, salt: 31) }
            let campaign = try await traced.enqueueCampaign(app: "secretive", tokens: tokens)

            try await traced.runUntilIdle(settings: traced.settings(passphrase: Self.wrongPassphrase))
            let error = try await harness.scalar(
                "SELECT coalesce(credential_error, '') FROM push.app WHERE name = 'secretive'", as: String.self)
            #expect(!error.isEmpty, "the wrong passphrase must have failed the app's credentials")
            #expect(!error.contains(Self.wrongPassphrase) && !error.contains(harness.pki.passphrase))
            #expect(try await harness.outcomes(campaign: campaign).isEmpty)
            let failedRunLines = log.count

            try await traced.runUntilIdle(settings: traced.settings())
            #expect(try await harness.outcomes(campaign: campaign).count == tokens.count)
            #expect(failedRunLines > 0 && log.count > failedRunLines, "both runs must have logged at trace level")
            try Self.expectNoSecrets(in: log, pki: harness.pki)
        }
    }

    @Test("the feedback job at trace level, with a wrong then the right passphrase, logs neither passphrase nor key")
    func feedbackLogs() async throws {
        try await FeedbackFixture.with { fixture in
            let log = CapturedLog()
            var traced = fixture
            traced.logger = log.logger(label: "pushworker.feedback")
            try await traced.makeApp("secretive")
            let failed = try await traced.job(environment: [FeedbackFixture.passphraseVariable: Self.wrongPassphrase]).runOnce()
            #expect(failed.count == 1)
            if case .success = failed.first?.result {
                Issue.record("the wrong passphrase must fail the app")
            }
            let failedRunLines = log.count
            let succeeded = try await traced.job().runOnce()
            #expect(succeeded.count == 1)
            #expect(try await fixture.statuses(app: "secretive")[FeedbackFixture.hex(FeedbackFixture.Token.disabled)] == "disabled",
                    "the right passphrase must have read and recorded the feedback")
            #expect(failedRunLines > 0 && log.count > failedRunLines, "both runs must have logged at trace level")
            try Self.expectNoSecrets(in: log, pki: fixture.pki)
        }
    }
}
