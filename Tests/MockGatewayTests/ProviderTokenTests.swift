import Crypto
import Foundation
import MockGateway
import Testing

/// Provider-token (JWT) verification: the signature, key id, team and age, and what one
/// connection remembers between requests.
@Suite struct ProviderTokenTests {
    static let now: Int64 = 1_800_000_000
    let key = TokenSigningKey(teamID: "TEAM123456", keyID: "KEY1234567")
    var signer: ProviderTokenSigner { ProviderTokenSigner(key) }
    var verifier: ProviderTokenVerifier {
        var verifier = ProviderTokenVerifier(keys: [:], teamID: "TEAM123456")
        verifier.trust(key)
        return verifier
    }

    func verify(_ token: String, now: Int64 = Self.now) -> Result<VerifiedProviderToken, HTTP2Reason> {
        verifier.verify(authorization: "bearer \(token)", now: now)
    }

    @Test func aGoodTokenIsVerified() throws {
        let token = try signer.token(issuedAt: Self.now - 10)
        let verified = try verify(token).get()
        #expect(verified.keyID == "KEY1234567")
        #expect(verified.issuedAt == Self.now - 10)
        #expect(verified.token == token)
    }

    @Test func iatMayBeAStringOfDigits() throws {
        // Some clients (APNSwift) send "iat" as a string.
        let header = ProviderTokenSigner.base64URL(Array(#"{"alg":"ES256","kid":"KEY1234567"}"#.utf8))
        let claims = ProviderTokenSigner.base64URL(Array(#"{"iss":"TEAM123456","iat":"\#(Self.now)"}"#.utf8))
        let signature = try key.privateKey.signature(for: Data((header + "." + claims).utf8)).rawRepresentation
        #expect(try verify(header + "." + claims + "." + ProviderTokenSigner.base64URL(Array(signature))).get().issuedAt == Self.now)
    }

    @Test func tokensOlderThanAnHourHaveExpired() throws {
        #expect(verify(try signer.token(issuedAt: Self.now - 3600)).isSuccess)
        #expect(verify(try signer.token(issuedAt: Self.now - 3601)) == .failure(.expiredProviderToken))
    }

    @Test func aTokenSignedWithAnotherKeyIsInvalid() throws {
        let stranger = ProviderTokenSigner(keyID: "KEY1234567", teamID: "TEAM123456")
        #expect(verify(try stranger.token(issuedAt: Self.now)) == .failure(.invalidProviderToken))
    }

    @Test func anUnknownKeyIdIsInvalid() throws {
        #expect(verify(try signer.token(issuedAt: Self.now, keyID: "OTHERKEY01")) == .failure(.invalidProviderToken))
    }

    @Test func anotherTeamIsInvalid() throws {
        #expect(verify(try signer.token(issuedAt: Self.now, teamID: "OTHERTEAM1")) == .failure(.invalidProviderToken))
    }

    @Test func onlyES256IsAccepted() throws {
        #expect(verify(try signer.token(issuedAt: Self.now, algorithm: "HS256")) == .failure(.invalidProviderToken))
        #expect(verify(try signer.token(issuedAt: Self.now, algorithm: "none")) == .failure(.invalidProviderToken))
    }

    @Test func aTamperedTokenIsInvalid() throws {
        let token = try signer.token(issuedAt: Self.now)
        let parts = token.split(separator: ".").map(String.init)
        // Claims changed after signing (a later iat).
        let forgedClaims = ProviderTokenSigner.base64URL(Array(#"{"iss":"TEAM123456","iat":\#(Self.now + 60)}"#.utf8))
        #expect(verify([parts[0], forgedClaims, parts[2]].joined(separator: ".")) == .failure(.invalidProviderToken))
        // One signature byte flipped.
        var signature = Array(Data(base64Encoded: Self.padded(parts[2]))!)
        signature[10] ^= 0x01
        #expect(verify([parts[0], parts[1], ProviderTokenSigner.base64URL(signature)].joined(separator: ".")) == .failure(.invalidProviderToken))
        // Not three parts, not base64url, not JSON.
        #expect(verify(parts[0] + "." + parts[1]) == .failure(.invalidProviderToken))
        #expect(verify("a.b.c") == .failure(.invalidProviderToken))
        #expect(verify(token + "=") == .failure(.invalidProviderToken))
    }

    @Test func theAuthorizationHeaderNeedsTheBearerScheme() throws {
        let token = try signer.token(issuedAt: Self.now)
        #expect(verifier.verify(authorization: nil, now: Self.now) == .failure(.missingProviderToken))
        #expect(verifier.verify(authorization: "", now: Self.now) == .failure(.missingProviderToken))
        #expect(verifier.verify(authorization: token, now: Self.now) == .failure(.invalidProviderToken))
        #expect(verifier.verify(authorization: "Bearer \(token)", now: Self.now).isSuccess)
    }

    @Test func aConnectionReusesItsTokenUntilItExpires() throws {
        var session = ProviderTokenSession()
        let header = "bearer \(try signer.token(issuedAt: Self.now))"
        #expect(session.authorize(header, now: Self.now, verifier: verifier).isSuccess)
        #expect(session.authorize(header, now: Self.now + 3600, verifier: verifier).isSuccess)
        #expect(session.authorize(header, now: Self.now + 3601, verifier: verifier) == .failure(.expiredProviderToken))
        #expect(session.authorize(nil, now: Self.now, verifier: verifier) == .failure(.missingProviderToken))
    }

    @Test func aConnectionRefusesTokenChangesWithin20Minutes() throws {
        var session = ProviderTokenSession()
        #expect(session.authorize("bearer \(try signer.token(issuedAt: Self.now))", now: Self.now, verifier: verifier).isSuccess)
        let early = "bearer \(try signer.token(issuedAt: Self.now + 1199))"
        #expect(session.authorize(early, now: Self.now + 1199, verifier: verifier) == .failure(.tooManyProviderTokenUpdates))
        let onTime = "bearer \(try signer.token(issuedAt: Self.now + 1200))"
        #expect(session.authorize(onTime, now: Self.now + 1200, verifier: verifier).isSuccess)
        #expect(session.current?.issuedAt == Self.now + 1200)
    }

    @Test func aConnectionStaysBoundToItsFirstKey() throws {
        let second = TokenSigningKey(teamID: "TEAM123456", keyID: "KEY7654321")
        var verifier = self.verifier
        verifier.trust(second)
        var session = ProviderTokenSession()
        #expect(session.authorize("bearer \(try signer.token(issuedAt: Self.now))", now: Self.now, verifier: verifier).isSuccess)
        let other = "bearer \(try ProviderTokenSigner(second).token(issuedAt: Self.now + 3000))"
        #expect(session.authorize(other, now: Self.now + 3000, verifier: verifier) == .failure(.unrelatedKeyIdInToken))
        // The same key on a new connection is fine.
        var fresh = ProviderTokenSession()
        #expect(fresh.authorize(other, now: Self.now + 3000, verifier: verifier).isSuccess)
    }

    @Test func theP8FileIsPKCS8AndItsPublicKeyVerifies() throws {
        #expect(key.privateKeyPKCS8PEM.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        #expect(key.publicKeyPEM.hasPrefix("-----BEGIN PUBLIC KEY-----"))
        #expect(key.keyID.count == 10)
        let reloaded = try P256.Signing.PrivateKey(pemRepresentation: key.privateKeyPKCS8PEM)
        var verifier = ProviderTokenVerifier(keys: ["KEY1234567": try P256.Signing.PublicKey(pemRepresentation: key.publicKeyPEM)], teamID: "TEAM123456")
        let token = try ProviderTokenSigner(key: reloaded, keyID: "KEY1234567", teamID: "TEAM123456").token(issuedAt: Self.now)
        #expect(verifier.verify(authorization: "bearer \(token)", now: Self.now).isSuccess)
        verifier.keys = [:]
        #expect(verifier.verify(authorization: "bearer \(token)", now: Self.now) == .failure(.invalidProviderToken))
    }

    private static func padded(_ base64URL: String) -> String {
        var text = base64URL.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        return text
    }
}
