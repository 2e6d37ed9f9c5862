import Foundation
import JobQueue
import Logging
import PostgresNIO
import PushWorker
import Testing
import TestSupport

@Suite("App rows and their credentials")
struct AppCredentialsTests {
    @Test("apps() reads each row with Apple's endpoints filled in where the row leaves them empty")
    func appsWithEffectiveEndpoints() async throws {
        try await TestDatabase.withMigrated { client, _ in
            try await client.execute(
                """
                INSERT INTO push.app (name, topic, environment, certificate_path, passphrase_env, connections_per_worker)
                VALUES ('apple', 'com.example.apple', 'sandbox', '/etc/pushworker/apple.p12', 'APPLE_P12_PASS', 6)
                """, logger: .quiet)
            try await client.execute(
                """
                INSERT INTO push.app (name, topic, gateway_host, gateway_port, feedback_host, feedback_port,
                                      certificate_path, private_key_path, passphrase_file, ca_file)
                VALUES ('mock', 'com.example.mock', '127.0.0.1', 12195, '127.0.0.1', 12196,
                        '/certs/client.pem', '/certs/client-key.pem', '/certs/pass', '/certs/ca.pem')
                """, logger: .quiet)
            let queue = JobQueue(client: client, worker: WorkerID("test"), logger: .quiet)
            let apps = try await queue.apps()
            #expect(apps.map(\.name) == ["apple", "mock"])
            let apple = try #require(try await queue.app(named: "apple"))
            #expect(apple.gatewayHost == "gateway.sandbox.push.apple.com")
            #expect(apple.gatewayPort == 2195)
            #expect(apple.feedbackHost == "feedback.sandbox.push.apple.com")
            #expect(apple.feedbackPort == 2196)
            #expect(apple.passphraseEnv == "APPLE_P12_PASS")
            #expect(apple.connectionsPerWorker == 6)
            #expect(apple.caFile == nil)
            let mock = try #require(try await queue.app(apps[1].id))
            #expect(mock.gatewayHost == "127.0.0.1" && mock.gatewayPort == 12195)
            #expect(mock.feedbackPort == 12196)
            #expect(mock.privateKeyPath == "/certs/client-key.pem")
            #expect(mock.passphraseFile == "/certs/pass")
            #expect(mock.caFile == "/certs/ca.pem")
            #expect(try await queue.app(named: "nobody") == nil)
        }
    }

    @Test("a .p12 with its passphrase from the named environment variable gives a client context")
    func pkcs12FromEnvironment() throws {
        let pki = try TestPKI()
        defer { pki.remove() }
        let app = Self.app(certificate: pki.files.clientPKCS12, caFile: pki.files.caCertificate, passphraseEnv: "P12_PASS")
        _ = try AppCredentials.clientTLS(for: app, environment: ["P12_PASS": pki.passphrase], logger: .quiet)
    }

    @Test("a missing passphrase variable is an error naming the app and the variable")
    func missingVariable() throws {
        let pki = try TestPKI()
        defer { pki.remove() }
        let app = Self.app(certificate: pki.files.clientPKCS12, caFile: pki.files.caCertificate, passphraseEnv: "P12_PASS")
        let error = #expect(throws: AppCredentialError.self) {
            try AppCredentials.clientTLS(for: app, environment: [:], logger: .quiet)
        }
        #expect(error?.description == "app shop: its passphrase_env names P12_PASS, which is not set in the worker's environment")
    }

    @Test("a wrong passphrase is an error naming the app and the file, never the passphrase")
    func wrongPassphrase() throws {
        let pki = try TestPKI()
        defer { pki.remove() }
        let app = Self.app(certificate: pki.files.clientPKCS12, caFile: pki.files.caCertificate, passphraseEnv: "P12_PASS")
        let error = #expect(throws: AppCredentialError.self) {
            try AppCredentials.clientTLS(for: app, environment: ["P12_PASS": "not-the-passphrase"], logger: .quiet)
        }
        let text = error?.description ?? ""
        #expect(text.hasPrefix("app shop: "))
        #expect(text.contains(pki.files.clientPKCS12))
        #expect(text.contains("passphrase"))
        #expect(!text.contains("not-the-passphrase"))
    }

    @Test("PEM certificate and key files, and a missing certificate file")
    func pemAndMissingFile() throws {
        let pki = try TestPKI()
        defer { pki.remove() }
        var app = Self.app(certificate: pki.files.clientCertificate, caFile: pki.files.caCertificate,
                           privateKey: pki.files.clientKey)
        _ = try AppCredentials.clientTLS(for: app, environment: [:], logger: .quiet)
        app = Self.app(certificate: pki.directory + "/absent.p12", caFile: pki.files.caCertificate)
        let error = #expect(throws: AppCredentialError.self) {
            try AppCredentials.clientTLS(for: app, environment: [:], logger: .quiet)
        }
        #expect(error?.description.contains("absent.p12") == true)
    }

    static func app(certificate: String, caFile: String, privateKey: String? = nil,
                    passphraseEnv: String? = nil) -> AppRecord {
        AppRecord(
            id: AppID(1), name: "shop", topic: "com.example.shop", environment: "production", transport: "binary",
            gatewayHost: "127.0.0.1", gatewayPort: 2195, feedbackHost: "127.0.0.1", feedbackPort: 2196,
            auth: "certificate", certificatePath: certificate, privateKeyPath: privateKey,
            passphraseEnv: passphraseEnv, passphraseFile: nil, caFile: caFile, connectionsPerWorker: 2)
    }
}
