import Crypto
import Foundation

/// Checks provider authentication tokens (JWT, ES256) the way APNs documents
/// (apns-protocol.md §3.5): header `{"alg":"ES256","kid":…}`, claims `{"iss":<team id>,"iat":…}`,
/// a raw r‖s P-256 signature over `header.claims`, base64url without padding.
///
/// Pure: the keys, the team and "now" come in; a `VerifiedProviderToken` or the reason APNs
/// would answer comes out.
public struct ProviderTokenVerifier: Sendable {
    /// Tokens older than this are `ExpiredProviderToken`.
    public static let lifetime: Int64 = 3600

    /// Public keys by key id.
    public var keys: [String: P256.Signing.PublicKey]
    /// The team id `iss` must name.
    public var teamID: String

    public init(keys: [String: P256.Signing.PublicKey], teamID: String) {
        self.keys = keys
        self.teamID = teamID
    }

    /// Verifies the value of an `authorization` header.
    public func verify(authorization: String?, now: Int64) -> Result<VerifiedProviderToken, HTTP2Reason> {
        guard let authorization, !authorization.isEmpty else { return .failure(.missingProviderToken) }
        let scheme = "bearer "
        guard authorization.count > scheme.count, authorization.prefix(scheme.count).lowercased() == scheme else {
            return .failure(.invalidProviderToken)
        }
        return verify(token: authorization.dropFirst(scheme.count), now: now)
    }

    /// Verifies a compact JWT.
    public func verify(token: Substring, now: Int64) -> Result<VerifiedProviderToken, HTTP2Reason> {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3,
            let headerBytes = Base64URL.decode(parts[0]),
            let claimsBytes = Base64URL.decode(parts[1]),
            let signatureBytes = Base64URL.decode(parts[2]),
            let header = try? JSONDecoder().decode(Header.self, from: Data(headerBytes)),
            let claims = try? JSONDecoder().decode(Claims.self, from: Data(claimsBytes))
        else { return .failure(.invalidProviderToken) }

        guard header.alg == "ES256", let key = keys[header.kid], claims.iss == teamID,
            let signature = try? P256.Signing.ECDSASignature(rawRepresentation: signatureBytes)
        else { return .failure(.invalidProviderToken) }
        let signedPart = token.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count)
        guard key.isValidSignature(signature, for: Data(signedPart)) else { return .failure(.invalidProviderToken) }

        let verified = VerifiedProviderToken(token: String(token), keyID: header.kid, issuedAt: claims.iat.seconds)
        if verified.isExpired(now: now) { return .failure(.expiredProviderToken) }
        return .success(verified)
    }

    private struct Header: Decodable {
        var alg: String
        var kid: String
    }

    private struct Claims: Decodable {
        var iss: String
        var iat: IssuedAt
    }

    /// `iat` as a JSON number or, as some clients send it, a string of digits.
    private struct IssuedAt: Decodable {
        var seconds: Int64

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let number = try? container.decode(Int64.self) {
                seconds = number
            } else if let text = try? container.decode(String.self), let number = Int64(text) {
                seconds = number
            } else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "iat is not a number")
            }
        }
    }
}

/// A provider token whose signature, key id and team were checked.
public struct VerifiedProviderToken: Sendable, Hashable {
    /// The compact JWT as sent (to recognise it on the next request without verifying again).
    public var token: String
    public var keyID: String
    /// `iat`, seconds since 1970.
    public var issuedAt: Int64

    /// Whether the token is more than an hour old at `now`.
    public func isExpired(now: Int64) -> Bool {
        now - issuedAt > ProviderTokenVerifier.lifetime
    }
}

/// Base64url without padding (RFC 7515 §2), as JWTs use it.
public enum Base64URL {
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        guard !text.contains("="), !text.contains("+"), !text.contains("/") else { return nil }
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        switch standard.count % 4 {
        case 0: break
        case 2: standard += "=="
        case 3: standard += "="
        default: return nil
        }
        return Data(base64Encoded: standard).map(Array.init)
    }
}
