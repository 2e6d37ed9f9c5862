import NIOSSL

/// The gateway side of mutual TLS: the gateway's certificate and key, and the authorities whose
/// client certificates it accepts. A client without a certificate, or with one from another
/// authority, fails the handshake.
public struct GatewayServerTLS: Sendable {
    public var certificateChain: [NIOSSLCertificate]
    public var privateKey: NIOSSLPrivateKey
    public var clientCertificateAuthorities: [NIOSSLCertificate]

    public init(
        certificateChain: [NIOSSLCertificate],
        privateKey: NIOSSLPrivateKey,
        clientCertificateAuthorities: [NIOSSLCertificate]
    ) {
        self.certificateChain = certificateChain
        self.privateKey = privateKey
        self.clientCertificateAuthorities = clientCertificateAuthorities
    }

    /// Loads unencrypted PEM files (what `GatewayPKI.write` produces).
    public init(certificateFile: String, keyFile: String, clientCAFile: String) throws {
        self.certificateChain = try Self.certificates(certificateFile, role: "gateway certificate")
        do {
            self.privateKey = try NIOSSLPrivateKey(file: keyFile, format: .pem) { (_: NIOSSLPassphraseSetter<[UInt8]>) in
                throw MockGatewayError(message: "the gateway key \(keyFile) is encrypted; give an unencrypted key")
            }
        } catch let error as MockGatewayError {
            throw error
        } catch {
            throw MockGatewayError(message: "the gateway key file \(keyFile) is missing or holds no PEM private key")
        }
        self.clientCertificateAuthorities = try Self.certificates(clientCAFile, role: "client CA")
    }

    private static func certificates(_ file: String, role: String) throws -> [NIOSSLCertificate] {
        let certificates = (try? NIOSSLCertificate.fromPEMFile(file)) ?? []
        guard !certificates.isEmpty else {
            throw MockGatewayError(message: "the \(role) file \(file) is missing or holds no PEM certificate")
        }
        return certificates
    }

    /// Builds the server context. Client certificates are required and checked against
    /// `clientCertificateAuthorities`, without hostname verification (clients have no hostname).
    func makeContext() throws -> NIOSSLContext {
        try makeContext(clientCertificates: .noHostnameVerification, applicationProtocols: [])
    }

    /// Builds a server context with the given treatment of client certificates (checked against
    /// `clientCertificateAuthorities` whenever they are verified) and ALPN protocols.
    func makeContext(
        clientCertificates verification: CertificateVerification,
        applicationProtocols: [String]
    ) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeServerConfigurationWithMTLS(
            certificateChain: certificateChain.map { .certificate($0) },
            privateKey: .privateKey(privateKey),
            trustRoots: .certificates(clientCertificateAuthorities)
        )
        configuration.certificateVerification = verification
        configuration.applicationProtocols = applicationProtocols
        return try NIOSSLContext(configuration: configuration)
    }
}
