import Crypto

/// A provider-token signing key shaped like the ones Apple issues: a P-256 key (handed out as a
/// PKCS#8 `.p8` file), a 10-character key id, and the team id tokens must name as `iss`.
/// Throwaway, for the mock gateway's token authentication; never use it for anything real.
public struct TokenSigningKey: Sendable {
    public let keyID: String
    public let teamID: String
    public let privateKey: P256.Signing.PrivateKey

    /// A fresh key with a random key id.
    public init(teamID: String = "MOCKTEAM01", keyID: String? = nil) {
        self.privateKey = P256.Signing.PrivateKey()
        self.teamID = teamID
        self.keyID = keyID ?? Self.randomKeyID()
    }

    /// The private key as PKCS#8 PEM (`BEGIN PRIVATE KEY`), the content of Apple's `.p8` files.
    public var privateKeyPKCS8PEM: String {
        privateKey.pemRepresentation
    }

    /// The public key as PEM (`BEGIN PUBLIC KEY`), what the gateway verifies tokens with.
    public var publicKeyPEM: String {
        privateKey.publicKey.pemRepresentation
    }

    /// Ten characters from A–Z and 0–9, like Apple's key ids.
    static func randomKeyID() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<10).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] })
    }
}
