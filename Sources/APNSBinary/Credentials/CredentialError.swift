/// Why a client identity or the gateway trust could not be set up. Every case names the file
/// involved; none carries a passphrase or key material.
public struct CredentialError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: Sendable, Hashable {
        /// The file does not exist.
        case fileNotFound
        /// The file exists but could not be read (permissions, a directory, …).
        case fileUnreadable
        /// The passphrase does not open the `.p12` or the encrypted key.
        case wrongPassphrase
        /// The key or bundle is encrypted and no passphrase was given.
        case passphraseRequired
        /// The file is not a PKCS#12 bundle.
        case notPKCS12
        /// The file holds no PEM certificate.
        case notACertificate
        /// The file holds no PEM private key.
        case notAPrivateKey
        /// The private key does not belong to the certificate.
        case keyDoesNotMatchCertificate
        /// The certificate's validity ended.
        case certificateExpired
        /// The certificate's validity has not started.
        case certificateNotYetValid
        /// Verification of the gateway certificate may only be switched off for testing, never
        /// against production.
        case insecureTrustRefusedInProduction
        /// The TLS library refused the configuration.
        case tlsConfigurationRejected
    }

    public var code: Code
    /// The file the problem is about.
    public var file: String
    /// What happened and what to do, naming `file`.
    public var message: String

    public init(_ code: Code, file: String, message: String) {
        self.code = code
        self.file = file
        self.message = message
    }

    public var description: String { message }
}
