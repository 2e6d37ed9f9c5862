import Crypto
import Foundation

/// Loads the `.p8` signing key Apple issues for token authentication: a PKCS#8 PEM
/// (`BEGIN PRIVATE KEY`) of a P-256 key.
public enum ProviderKey {
    /// - Throws: ``ProviderKeyError`` naming `path` when it is missing, unreadable, or not the
    ///   PEM of a P-256 private key.
    public static func load(file path: String) throws(ProviderKeyError) -> P256.Signing.PrivateKey {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ProviderKeyError("the signing key file \(path) does not exist")
        }
        guard !isDirectory.boolValue, let data = FileManager.default.contents(atPath: path) else {
            throw ProviderKeyError("the signing key file \(path) cannot be read (check that it is a file and its permissions)")
        }
        guard let pem = String(data: data, encoding: .utf8),
            let key = try? P256.Signing.PrivateKey(pemRepresentation: pem)
        else {
            throw ProviderKeyError("the signing key file \(path) holds no PEM P-256 private key (expected Apple's .p8 file)")
        }
        return key
    }
}
