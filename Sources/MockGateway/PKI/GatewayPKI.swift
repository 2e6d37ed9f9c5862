import Foundation
import NIOSSL

/// The throwaway certificate set the mock gateway runs with: a CA, a server certificate for
/// `localhost`/`127.0.0.1` (and any further host names asked for), an Apple-shaped client
/// certificate signed by the same CA, and a provider-token signing key for HTTP/2 token
/// authentication.
public struct GatewayPKI: Sendable {
    /// What to generate.
    public struct Options: Sendable {
        /// The app's bundle id; the client certificate's subject is `Apple Push Services: <topic>`.
        public var topic: String
        public var clientValidity: CertificateValidity
        public var serverValidity: CertificateValidity
        /// RSA-2048 like Apple's provider certificates; P-256 only for comparisons.
        public var clientKey: CertificateAuthority.ClientKeyAlgorithm
        /// The team id of the token signing key.
        public var teamID: String
        /// DNS names of the server certificate besides `localhost` (e.g. a container's service
        /// name, which workers on other hosts connect to and check the certificate against).
        public var extraServerNames: [String]

        public init(
            topic: String = "com.example.pushworker",
            teamID: String = "MOCKTEAM01",
            clientValidity: CertificateValidity = .days(365),
            serverValidity: CertificateValidity = .days(825),
            clientKey: CertificateAuthority.ClientKeyAlgorithm = .rsa2048,
            extraServerNames: [String] = []
        ) {
            self.topic = topic
            self.clientKey = clientKey
            self.extraServerNames = extraServerNames
            self.clientValidity = clientValidity
            self.serverValidity = serverValidity
            self.teamID = teamID
        }
    }

    public let authority: CertificateAuthority
    public let server: IssuedIdentity
    public let client: IssuedIdentity
    public let tokenKey: TokenSigningKey

    /// Generates a fresh CA and issues the server and client certificates from it.
    public init(options: Options = Options()) throws {
        let authority = try CertificateAuthority()
        self.authority = authority
        self.server = try authority.issueServerIdentity(
            dnsNames: ["localhost"] + options.extraServerNames, validity: options.serverValidity)
        self.client = try authority.issueClientIdentity(
            topic: options.topic, validity: options.clientValidity, key: options.clientKey)
        self.tokenKey = TokenSigningKey(teamID: options.teamID)
    }

    /// The TLS material the gateway needs: its own certificate and key, and this CA as the only
    /// trust root for client certificates.
    public func serverTLS() throws -> GatewayServerTLS {
        GatewayServerTLS(
            certificateChain: [try server.nioCertificate()],
            privateKey: try server.nioPrivateKey(),
            clientCertificateAuthorities: [try NIOSSLCertificate(bytes: Array(authority.certificate.serializeAsPEM().pemString.utf8), format: .pem)]
        )
    }

    /// Writes the set into `directory` (created if missing): `ca.pem`, `server.pem`,
    /// `server-key.pem`, `client.pem`, `client-key.pem`, `client.p12` protected by `passphrase`,
    /// and the token signing key: `token-key.p8`, `token-key-public.pem`, `token-key-id.txt`,
    /// `team-id.txt`. Key files are written with mode 0600.
    @discardableResult
    public func write(to directory: String, passphrase: String) throws -> GatewayPKIFiles {
        let files = GatewayPKIFiles(directory: directory)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try Self.write(Array(authority.certificate.serializeAsPEM().pemString.utf8), to: files.caCertificate, secret: false)
            try Self.write(Array(server.certificatePEM().utf8), to: files.serverCertificate, secret: false)
            try Self.write(Array(server.privateKeyPEM().utf8), to: files.serverKey, secret: true)
            try Self.write(Array(client.certificatePEM().utf8), to: files.clientCertificate, secret: false)
            try Self.write(Array(client.privateKeyPEM().utf8), to: files.clientKey, secret: true)
            try Self.write(client.pkcs12(passphrase: passphrase), to: files.clientPKCS12, secret: true)
            try Self.write(Array(tokenKey.privateKeyPKCS8PEM.utf8), to: files.tokenPrivateKey, secret: true)
            try Self.write(Array(tokenKey.publicKeyPEM.utf8), to: files.tokenPublicKey, secret: false)
            try Self.write(Array((tokenKey.keyID + "\n").utf8), to: files.tokenKeyID, secret: false)
            try Self.write(Array((tokenKey.teamID + "\n").utf8), to: files.teamID, secret: false)
        } catch let error as MockGatewayError {
            throw error
        } catch {
            throw MockGatewayError(message: "could not write certificates to \(directory): \(error)")
        }
        return files
    }

    private static func write(_ bytes: [UInt8], to path: String, secret: Bool) throws {
        let attributes: [FileAttributeKey: Any]? = secret ? [.posixPermissions: 0o600] : nil
        _ = FileManager.default.createFile(atPath: path, contents: nil, attributes: attributes)
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw MockGatewayError(message: "could not open \(path) for writing")
        }
        defer { try? handle.close() }
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: Data(bytes))
    }
}

/// Where `GatewayPKI.write(to:passphrase:)` put each file.
public struct GatewayPKIFiles: Sendable, Hashable {
    public let directory: String
    public var caCertificate: String { directory + "/ca.pem" }
    public var serverCertificate: String { directory + "/server.pem" }
    public var serverKey: String { directory + "/server-key.pem" }
    public var clientCertificate: String { directory + "/client.pem" }
    public var clientKey: String { directory + "/client-key.pem" }
    public var clientPKCS12: String { directory + "/client.p12" }
    /// The token signing key, PKCS#8 PEM (an Apple `.p8` file).
    public var tokenPrivateKey: String { directory + "/token-key.p8" }
    public var tokenPublicKey: String { directory + "/token-key-public.pem" }
    /// The token key's id, one line.
    public var tokenKeyID: String { directory + "/token-key-id.txt" }
    /// The team id tokens must name, one line.
    public var teamID: String { directory + "/team-id.txt" }

    public init(directory: String) {
        self.directory = directory
    }
}
