import APNSBinary
import Foundation
import JobQueue
import Logging
import NIOSSL

/// Why an app's credentials could not be turned into a TLS client context. The message names the
/// app and the file or setting at fault, never a secret.
public struct AppCredentialError: Error, Sendable, CustomStringConvertible {
    public let app: String
    public let message: String

    public init(app: String, message: String) {
        self.app = app
        self.message = message
    }

    public var description: String { "app \(app): \(message)" }
}

/// Builds the mutual-TLS client context of an app from its `push.app` row: the provider
/// certificate (a `.p12`, or PEM certificate and key), its passphrase from the environment
/// variable or file the row names, and the gateway's trust (the row's CA file, else the system
/// roots). Used by the worker and the feedback job; build once per app, it is expensive.
public enum AppCredentials {
    /// - Throws: ``AppCredentialError`` naming the app and the problem.
    public static func clientTLS(
        for app: AppRecord,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        logger: Logger
    ) throws -> NIOSSLContext {
        let source = try credentialSource(for: app, environment: environment)
        let gatewayEnvironment: GatewayEnvironment = app.environment == "sandbox" ? .sandbox : .production
        let trust: GatewayTrust = app.caFile.map { .certificateAuthorities(file: $0) } ?? .systemRoots
        do {
            let identity = try ClientIdentity.load(from: source, logger: logger)
            return try GatewayTLS.makeClientContext(identity: identity, trust: trust, environment: gatewayEnvironment)
        } catch let error as CredentialError {
            throw AppCredentialError(app: app.name, message: error.message)
        }
    }

    /// Where the app's identity comes from. A row with a separate key file, or a certificate file
    /// ending in `.pem`/`.crt`/`.cer` (certificate and key in one file), is PEM; anything else is
    /// read as PKCS#12.
    public static func credentialSource(
        for app: AppRecord, environment: [String: String]
    ) throws -> ClientCredentialSource {
        guard app.auth == "certificate" else {
            throw AppCredentialError(
                app: app.name, message: "auth '\(app.auth)' is not supported by the binary transport; use a certificate")
        }
        guard let certificate = app.certificatePath else {
            throw AppCredentialError(app: app.name, message: "no certificate_path in its push.app row")
        }
        let passphrase = try passphrase(for: app, environment: environment)
        let isPEM = [".pem", ".crt", ".cer"].contains { certificate.lowercased().hasSuffix($0) }
        if let key = app.privateKeyPath {
            return .pem(certificateFile: certificate, keyFile: key, keyPassphrase: passphrase)
        } else if isPEM {
            return .pem(certificateFile: certificate, keyFile: certificate, keyPassphrase: passphrase)
        }
        return .pkcs12(file: certificate, passphrase: passphrase)
    }

    private static func passphrase(for app: AppRecord, environment: [String: String]) throws -> Passphrase? {
        if let variable = app.passphraseEnv {
            guard let passphrase = Passphrase.fromEnvironment(variable, environment: environment) else {
                throw AppCredentialError(
                    app: app.name, message: "its passphrase_env names \(variable), which is not set in the worker's environment")
            }
            return passphrase
        }
        if let file = app.passphraseFile {
            do {
                return try Passphrase.read(fromFile: file)
            } catch let error as CredentialError {
                throw AppCredentialError(app: app.name, message: error.message)
            }
        }
        return nil
    }
}
