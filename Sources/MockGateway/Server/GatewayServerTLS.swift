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
        self.certificateChain = try NIOSSLCertificate.fromPEMFile(certificateFile)
        self.privateKey = try NIOSSLPrivateKey(file: keyFile, format: .pem) { (_: NIOSSLPassphraseSetter<[UInt8]>) in
            throw GatewayPKIError(message: "the gateway key \(keyFile) is encrypted; give an unencrypted key")
        }
        self.clientCertificateAuthorities = try NIOSSLCertificate.fromPEMFile(clientCAFile)
    }

    /// Builds the server context. Client certificates are required and checked against
    /// `clientCertificateAuthorities`, without hostname verification (clients have no hostname).
    func makeContext() throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeServerConfigurationWithMTLS(
            certificateChain: certificateChain.map { .certificate($0) },
            privateKey: .privateKey(privateKey),
            trustRoots: .certificates(clientCertificateAuthorities)
        )
        configuration.certificateVerification = .noHostnameVerification
        return try NIOSSLContext(configuration: configuration)
    }
}
