/// Where the provider certificate and its private key come from.
public enum ClientCredentialSource: Sendable, Hashable {
    /// A PKCS#12 bundle (`.p12`), as Keychain exports it (legacy 3DES/RC2) or as OpenSSL 3
    /// writes it (AES-256/PBKDF2). Keychain exports always have a passphrase.
    case pkcs12(file: String, passphrase: Passphrase?)
    /// A PEM certificate (the first certificate is the leaf; more form the chain) and a PEM
    /// private key, PKCS#8 or traditional, optionally encrypted with `keyPassphrase`.
    case pem(certificateFile: String, keyFile: String, keyPassphrase: Passphrase?)

    /// The file named first in messages about this source.
    public var primaryFile: String {
        switch self {
        case .pkcs12(let file, _): file
        case .pem(let certificateFile, _, _): certificateFile
        }
    }
}
