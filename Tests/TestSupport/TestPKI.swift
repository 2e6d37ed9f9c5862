import Foundation
import MockGateway
import NIOSSL
import X509

/// A throwaway CA, gateway certificate and client certificate written to a fresh temporary
/// folder (`ca.pem`, `server.pem`, `server-key.pem`, `client.pem`, `client-key.pem`,
/// `client.p12`), plus TLS contexts for raw test clients.
public struct TestPKI: Sendable {
    public let pki: GatewayPKI
    public let files: GatewayPKIFiles
    /// The passphrase of `client.p12`.
    public let passphrase: String

    public init(options: GatewayPKI.Options = GatewayPKI.Options(), passphrase: String = "correct horse battery") throws {
        self.pki = try GatewayPKI(options: options)
        self.passphrase = passphrase
        self.files = try pki.write(to: try Self.makeTemporaryDirectory(prefix: "pushworker-pki"), passphrase: passphrase)
    }

    public var directory: String { files.directory }

    /// The gateway's TLS material: its certificate, and this CA for client certificates.
    public func serverTLS() throws -> GatewayServerTLS {
        try pki.serverTLS()
    }

    /// A client context trusting this CA and presenting this PKI's client certificate.
    public func clientContext() throws -> NIOSSLContext {
        try makeClientContext(presenting: pki.client)
    }

    /// A client context trusting this CA and presenting `identity` (e.g. one from another CA).
    public func clientContext(presenting identity: IssuedIdentity) throws -> NIOSSLContext {
        try makeClientContext(presenting: identity)
    }

    /// A client context trusting this CA that presents no certificate at all.
    public func clientContextWithoutCertificate() throws -> NIOSSLContext {
        try makeClientContext(presenting: nil)
    }

    private func makeClientContext(presenting identity: IssuedIdentity?) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .certificates([try NIOSSLCertificate(bytes: Array(pki.authority.certificate.serializeAsPEM().pemString.utf8), format: .pem)])
        if let identity {
            configuration.certificateChain = [.certificate(try identity.nioCertificate())]
            configuration.privateKey = .privateKey(try identity.nioPrivateKey())
        }
        return try NIOSSLContext(configuration: configuration)
    }

    /// Deletes the folder.
    public func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Creates an empty folder under the system's temporary directory.
    public static func makeTemporaryDirectory(prefix: String) throws -> String {
        let path = NSTemporaryDirectory() + "/\(prefix)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
