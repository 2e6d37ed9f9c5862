import APNSBinary
import Foundation
import MockGateway
import TestSupport

/// One throwaway PKI for the credential tests, plus the variants the openssl CLI makes:
/// OpenSSL 3 and legacy PKCS#12 bundles, PKCS#8 and traditional encrypted keys.
struct CredentialFixtures: Sendable {
    static let passphrase = "s3cret-Passphrase"
    static let shared: Result<CredentialFixtures, any Error> = Result { try CredentialFixtures() }

    let pki: TestPKI
    var files: GatewayPKIFiles { pki.files }
    var directory: String { pki.directory }
    var modernOpenSSLBundle: String { directory + "/openssl3.p12" }
    var legacyBundle: String { directory + "/legacy.p12" }
    var encryptedPKCS8Key: String { directory + "/client-key.pkcs8.enc.pem" }
    var encryptedTraditionalKey: String { directory + "/client-key.traditional.enc.pem" }

    static func get() throws -> CredentialFixtures {
        try shared.get()
    }

    private init() throws {
        pki = try TestPKI(passphrase: Self.passphrase)
        let pass = "pass:\(Self.passphrase)"
        try OpenSSLCommand.run([
            "pkcs12", "-export", "-in", pki.files.clientCertificate, "-inkey", pki.files.clientKey,
            "-out", directory + "/openssl3.p12", "-passout", pass,
        ])
        try OpenSSLCommand.run([
            "pkcs12", "-export", "-legacy", "-in", pki.files.clientCertificate, "-inkey", pki.files.clientKey,
            "-out", directory + "/legacy.p12", "-passout", pass,
        ])
        try OpenSSLCommand.run([
            "pkey", "-in", pki.files.clientKey, "-aes256", "-passout", pass, "-out", directory + "/client-key.pkcs8.enc.pem",
        ])
        try OpenSSLCommand.run([
            "rsa", "-in", pki.files.clientKey, "-aes256", "-traditional", "-passout", pass,
            "-out", directory + "/client-key.traditional.enc.pem",
        ])
    }

    /// Writes an identity issued by this PKI's CA with the given validity; returns (cert, key).
    func writeClient(validity: CertificateValidity, name: String) throws -> (certificate: String, key: String) {
        let identity = try pki.pki.authority.issueClientIdentity(topic: "com.example.\(name)", validity: validity)
        let certificate = directory + "/\(name).pem"
        let key = directory + "/\(name)-key.pem"
        try Data(identity.certificatePEM().utf8).write(to: URL(fileURLWithPath: certificate))
        try Data(identity.privateKeyPEM().utf8).write(to: URL(fileURLWithPath: key))
        return (certificate, key)
    }
}

/// Runs `body` and returns the `CredentialError` it throws (nil when it throws nothing).
func credentialError(_ body: () throws -> Void) -> CredentialError? {
    do {
        try body()
        return nil
    } catch let error as CredentialError {
        return error
    } catch {
        return CredentialError(.tlsConfigurationRejected, file: "", message: "unexpected error type: \(error)")
    }
}
