import Crypto
import Foundation
import MockGateway

/// Signs provider tokens the way a provider does, written in the test (not taken from the
/// product): header `{"alg":"ES256","kid":…}`, claims `{"iss":…,"iat":…}`, base64url without
/// padding, raw r‖s signature.
struct ProviderTokenSigner {
    var key: P256.Signing.PrivateKey
    var keyID: String
    var teamID: String

    init(_ key: TokenSigningKey) {
        self.key = key.privateKey
        self.keyID = key.keyID
        self.teamID = key.teamID
    }

    init(key: P256.Signing.PrivateKey = P256.Signing.PrivateKey(), keyID: String, teamID: String) {
        self.key = key
        self.keyID = keyID
        self.teamID = teamID
    }

    /// A token issued at `issuedAt` (seconds since 1970); `algorithm`, `keyID` and `teamID`
    /// replace the signer's for negative tests.
    func token(issuedAt: Int64 = Int64(Date().timeIntervalSince1970), algorithm: String = "ES256", keyID: String? = nil, teamID: String? = nil) throws -> String {
        let header = #"{"alg":"\#(algorithm)","kid":"\#(keyID ?? self.keyID)"}"#
        let claims = #"{"iss":"\#(teamID ?? self.teamID)","iat":\#(issuedAt)}"#
        let signingInput = Self.base64URL(Array(header.utf8)) + "." + Self.base64URL(Array(claims.utf8))
        let signature = try key.signature(for: Data(signingInput.utf8)).rawRepresentation
        return signingInput + "." + Self.base64URL(Array(signature))
    }

    /// The `authorization` header for `token`.
    static func bearer(_ token: String) -> (String, String) {
        ("authorization", "bearer \(token)")
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        var text = Data(bytes).base64EncodedString()
        text = text.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        while text.hasSuffix("=") { text.removeLast() }
        return text
    }
}
