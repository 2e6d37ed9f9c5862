import APNSBinary
import Foundation
import Logging
import Synchronization
import Testing

/// Collects log messages for one test (no global logging bootstrap).
final class RecordingLogHandler: LogHandler, Sendable {
    let records = Mutex<[String]>([])
    var metadata: Logger.Metadata {
        get { [:] }
        set {}
    }
    var logLevel: Logger.Level {
        get { .trace }
        set {}
    }
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { nil }
        set {}
    }

    func log(event: LogEvent) {
        let line = "\(event.level) \(event.message) \(event.metadata ?? [:])"
        records.withLock { $0.append(line) }
    }
}

@Suite struct ExpiryLoggingTests {
    @Test func loadingASoonExpiringCertificateLogsOneWarningWithoutSecrets() throws {
        let fixtures = try CredentialFixtures.get()
        let soon = try fixtures.writeClient(validity: .days(5), name: "logged-soon")
        let handler = RecordingLogHandler()
        let logger = Logger(label: "test") { _ in handler }

        _ = try ClientIdentity.load(from: .pem(certificateFile: soon.certificate, keyFile: soon.key, keyPassphrase: nil), logger: logger)
        _ = try ClientIdentity.load(
            from: .pkcs12(file: fixtures.files.clientPKCS12, passphrase: Passphrase(CredentialFixtures.passphrase)), logger: logger)

        let records = handler.records.withLock { $0 }
        #expect(records.count == 1)
        #expect(records.first?.hasPrefix("warning") == true)
        #expect(records.first?.contains(soon.certificate) == true)
        #expect(records.first?.contains(CredentialFixtures.passphrase) == false)
        #expect(records.first?.contains("PRIVATE KEY") == false)
    }
}
