import Crypto
import Foundation

/// Signs APNs provider tokens: JWTs with header `{"alg":"ES256","kid":<key id>}`, claims
/// `{"iss":<team id>,"iat":<UNIX seconds>}`, base64url without padding, and an ES256 signature
/// as raw r‖s (64 bytes), as JWS requires (not DER).
public struct ProviderTokenSigner: Sendable {
    public let keyID: String
    public let teamID: String
    private let key: P256.Signing.PrivateKey

    /// - Throws: ``ProviderKeyError`` when the key id or team id is empty or not alphanumeric.
    public init(key: P256.Signing.PrivateKey, keyID: String, teamID: String) throws(ProviderKeyError) {
        try Self.checkIdentifier(keyID, name: "key id")
        try Self.checkIdentifier(teamID, name: "team id")
        self.key = key
        self.keyID = keyID
        self.teamID = teamID
    }

    /// The token issued at `issuedAt` (rounded down to whole seconds).
    public func token(issuedAt: Date) -> String {
        let seconds = Int64(issuedAt.timeIntervalSince1970.rounded(.down))
        let header = #"{"alg":"ES256","kid":"\#(keyID)"}"#
        let claims = #"{"iss":"\#(teamID)","iat":\#(seconds)}"#
        let signingInput = Base64URL.encode(Array(header.utf8)) + "." + Base64URL.encode(Array(claims.utf8))
        // Signing with a valid P-256 key only fails if the system's randomness fails.
        let signature = try! key.signature(for: Array(signingInput.utf8))
        return signingInput + "." + Base64URL.encode(Array(signature.rawRepresentation))
    }

    private static func checkIdentifier(_ value: String, name: String) throws(ProviderKeyError) {
        guard !value.isEmpty, value.utf8.allSatisfy({ $0 < 0x80 && (Character(Unicode.Scalar($0)).isLetter || Character(Unicode.Scalar($0)).isNumber) }) else {
            throw ProviderKeyError("the \(name) \"\(value)\" must be letters and digits only (Apple's are 10 characters)")
        }
    }
}

/// base64url without padding (RFC 7515 §2).
enum Base64URL {
    static func encode(_ bytes: [UInt8]) -> String {
        var text = Data(bytes).base64EncodedString()
        text = text.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        while text.last == "=" { text.removeLast() }
        return text
    }

    static func decode(_ text: some StringProtocol) -> [UInt8]? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.utf8.count % 4 != 0 { base64.append("=") }
        return Data(base64Encoded: base64).map(Array.init)
    }
}
