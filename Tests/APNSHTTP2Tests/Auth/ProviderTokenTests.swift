import APNSHTTP2
import Crypto
import Foundation
import Synchronization
import Testing

@Suite struct ProviderTokenTests {
    static let key = P256.Signing.PrivateKey()
    static let signer = try! ProviderTokenSigner(key: key, keyID: "ABC123DEFG", teamID: "DEF123GHIJ")

    static func decode(_ part: Substring) throws -> [String: Any] {
        var base64 = part.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64.append("=") }
        let data = try #require(Data(base64Encoded: base64))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func tokenIsAnES256JWTWithKidIssAndIatInSeconds() throws {
        let token = Self.signer.token(issuedAt: Date(timeIntervalSince1970: 1_700_000_000.9))
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        try #require(parts.count == 3)
        #expect(!token.contains("=") && !token.contains("+") && !token.contains("/"))
        let header = try Self.decode(parts[0])
        #expect(header["alg"] as? String == "ES256")
        #expect(header["kid"] as? String == "ABC123DEFG")
        #expect(header.count == 2)
        let claims = try Self.decode(parts[1])
        #expect(claims["iss"] as? String == "DEF123GHIJ")
        #expect((claims["iat"] as? NSNumber)?.int64Value == 1_700_000_000)
        #expect(claims.count == 2)
    }

    @Test func signatureIsRawRAndSOverTheSigningInput() throws {
        let token = Self.signer.token(issuedAt: Date(timeIntervalSince1970: 1_700_000_000))
        let parts = token.split(separator: ".")
        var base64 = parts[2].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64.append("=") }
        let raw = try #require(Data(base64Encoded: base64))
        #expect(raw.count == 64)
        let signature = try P256.Signing.ECDSASignature(rawRepresentation: raw)
        let input = Data("\(parts[0]).\(parts[1])".utf8)
        #expect(Self.key.publicKey.isValidSignature(signature, for: input))
        #expect(!P256.Signing.PrivateKey().publicKey.isValidSignature(signature, for: input))
    }

    @Test func identifiersMustBeAlphanumeric() {
        #expect(throws: ProviderKeyError.self) { try ProviderTokenSigner(key: Self.key, keyID: "", teamID: "T") }
        #expect(throws: ProviderKeyError.self) { try ProviderTokenSigner(key: Self.key, keyID: "K\"}", teamID: "T") }
    }

    @Test func theCacheReusesTheTokenUntilItsRefreshAge() {
        var cache = ProviderTokenCache(refreshAge: 50 * 60)
        let start = Date(timeIntervalSince1970: 1_700_000_000)
        var signed = 0
        let sign = { (date: Date) -> String in signed += 1; return "t\(Int(date.timeIntervalSince1970))" }
        let first = cache.token(now: start, sign: sign)
        #expect(cache.token(now: start.addingTimeInterval(1), sign: sign) == first)
        #expect(cache.token(now: start.addingTimeInterval(49 * 60 + 59), sign: sign) == first)
        #expect(signed == 1)
        let second = cache.token(now: start.addingTimeInterval(50 * 60), sign: sign)
        #expect(second != first)
        #expect(signed == 2 && cache.renewals == 2)
    }

    @Test func refreshAgeStaysBetweenTwentyAndSixtyMinutes() {
        #expect(ProviderTokenCache(refreshAge: 60).refreshAge == 20 * 60)
        #expect(ProviderTokenCache(refreshAge: 3 * 3_600).refreshAge == 60 * 60)
        #expect(ProviderTokenCache().refreshAge == 50 * 60)
    }

    @Test func anExpiredReportRenewsOnlyTheCurrentToken() {
        var cache = ProviderTokenCache()
        let start = Date(timeIntervalSince1970: 1_700_000_000)
        let sign = { (date: Date) -> String in "t\(Int(date.timeIntervalSince1970))" }
        let first = cache.token(now: start, sign: sign)
        cache.expiredReported(token: "an older token")
        #expect(cache.token(now: start.addingTimeInterval(5), sign: sign) == first)
        cache.expiredReported(token: first)
        let renewed = cache.token(now: start.addingTimeInterval(6), sign: sign)
        #expect(renewed != first)
        // Every other stream that carried the old token reports it too: no second renewal.
        cache.expiredReported(token: first)
        #expect(cache.token(now: start.addingTimeInterval(7), sign: sign) == renewed)
    }

    @Test func theSourceUsesItsInjectedClock() {
        let clock = ManualWallClock(Date(timeIntervalSince1970: 1_700_000_000))
        let source = ProviderTokenSource(signer: Self.signer, now: { clock.now })
        let first = source.currentToken()
        clock.advance(by: 30 * 60)
        #expect(source.currentToken() == first)
        clock.advance(by: 30 * 60)
        #expect(source.currentToken() != first)
        #expect(source.renewals == 2)
    }

    @Test func aP8FileLoadsAndOtherFilesAreNamedInTheError() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("p8-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let good = directory.appendingPathComponent("AuthKey.p8").path
        try Self.key.pemRepresentation.write(toFile: good, atomically: true, encoding: .utf8)
        #expect(try ProviderKey.load(file: good).publicKey.rawRepresentation == Self.key.publicKey.rawRepresentation)
        let bad = directory.appendingPathComponent("bad.p8").path
        try "not a key".write(toFile: bad, atomically: true, encoding: .utf8)
        for path in [bad, directory.appendingPathComponent("missing.p8").path] {
            do {
                _ = try ProviderKey.load(file: path)
                Issue.record("\(path) loaded")
            } catch {
                #expect(error.message.contains(path))
            }
        }
    }
}

/// A wall clock tests move by hand.
final class ManualWallClock: Sendable {
    private let current: Mutex<Date>

    init(_ start: Date) { current = Mutex(start) }

    var now: Date { current.withLock { $0 } }

    func advance(by seconds: TimeInterval) { current.withLock { $0.addTimeInterval(seconds) } }
}
