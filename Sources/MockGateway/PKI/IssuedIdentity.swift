import NIOSSL
import X509

/// A certificate, its private key and the certificate of the authority that signed it.
///
/// Serialises to the forms operators hand to pushworker: PEM certificate, PEM key (PKCS#1 for
/// RSA, SEC1 for EC — unencrypted) and a passphrase-protected PKCS#12 bundle.
public struct IssuedIdentity: Sendable {
    public let certificate: Certificate
    public let privateKey: Certificate.PrivateKey
    public let issuer: Certificate

    public init(certificate: Certificate, privateKey: Certificate.PrivateKey, issuer: Certificate) {
        self.certificate = certificate
        self.privateKey = privateKey
        self.issuer = issuer
    }

    /// The certificate as a PEM document.
    public func certificatePEM() throws -> String {
        try certificate.serializeAsPEM().pemString
    }

    /// The private key as an unencrypted PEM document.
    public func privateKeyPEM() throws -> String {
        try privateKey.serializeAsPEM().pemString
    }

    /// The certificate in NIOSSL's form.
    public func nioCertificate() throws -> NIOSSLCertificate {
        try NIOSSLCertificate(bytes: Array(certificatePEM().utf8), format: .pem)
    }

    /// The private key in NIOSSL's form.
    public func nioPrivateKey() throws -> NIOSSLPrivateKey {
        try NIOSSLPrivateKey(bytes: Array(privateKeyPEM().utf8), format: .pem)
    }

    /// A PKCS#12 bundle holding the certificate and key, protected by `passphrase`.
    ///
    /// This is BoringSSL's modern encoding; the legacy (3DES/RC2) variant Keychain exported is made
    /// with `openssl pkcs12 -export -legacy` from the PEM files.
    public func pkcs12(passphrase: String) throws -> [UInt8] {
        let bundle = NIOSSLPKCS12Bundle(certificateChain: [try nioCertificate()], privateKey: try nioPrivateKey())
        return try bundle.serialize(passphrase: Array(passphrase.utf8))
    }
}
