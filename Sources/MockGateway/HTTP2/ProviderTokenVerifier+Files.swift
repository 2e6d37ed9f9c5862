import Crypto
import Foundation

extension ProviderTokenVerifier {
    /// Reads the P-256 key tokens of one key id are verified with: a public key PEM, or the
    /// `.p8` private key itself (its public half is used). The error names the file, never
    /// its content.
    public static func publicKey(pemFile path: String) throws -> P256.Signing.PublicKey {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MockGatewayError(message: "cannot read the token key file \(path)")
        }
        let pem = String(decoding: data, as: UTF8.self)
        if let key = try? P256.Signing.PublicKey(pemRepresentation: pem) { return key }
        if let key = try? P256.Signing.PrivateKey(pemRepresentation: pem) { return key.publicKey }
        throw MockGatewayError(message: "the token key file \(path) holds no P-256 public or private key in PEM")
    }

    /// Trusts tokens of `keyID` signed by the key in `pemFile` (see `publicKey(pemFile:)`).
    public mutating func trustKey(id keyID: String, pemFile: String) throws {
        keys[keyID] = try Self.publicKey(pemFile: pemFile)
    }

    /// Trusts tokens signed by a generated key.
    public mutating func trust(_ key: TokenSigningKey) {
        keys[key.keyID] = key.privateKey.publicKey
    }
}
