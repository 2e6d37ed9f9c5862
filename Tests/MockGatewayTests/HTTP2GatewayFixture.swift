import Foundation
import MockGateway
import NIOSSL
import TestSupport

/// A running mock gateway with HTTP/2 enabled, its PKI and ledger in a temporary folder, and the
/// shared PKI's token key trusted.
struct HTTP2GatewayFixture {
    let base: GatewayFixture
    let port: Int

    var pki: TestPKI { base.pki }
    var gateway: MockGateway { base.gateway }
    var tokenKey: TokenSigningKey { base.pki.pki.tokenKey }

    static func start(
        mode: HTTP2Authentication.Mode = .either,
        http2Faults: HTTP2FaultPlan = HTTP2FaultPlan(),
        faults: FaultPlan = FaultPlan(),
        allowedTopics: Set<String>? = nil
    ) async throws -> HTTP2GatewayFixture {
        let pki = try GatewayFixture.sharedPKI.get()
        var tokens = ProviderTokenVerifier(keys: [:], teamID: pki.pki.tokenKey.teamID)
        tokens.trust(pki.pki.tokenKey)
        let http2 = HTTP2GatewayConfiguration(
            authentication: HTTP2Authentication(mode: mode, tokens: tokens, allowedTopics: allowedTopics),
            faults: http2Faults
        )
        let base = try await GatewayFixture.start(faults: faults, http2: http2, pki: pki)
        return HTTP2GatewayFixture(base: base, port: try base.gateway.http2Port.unwrap())
    }

    /// A client presenting the PKI's client certificate.
    func certificateClient() async throws -> HTTP2TestClient {
        try await HTTP2TestClient.connect(port: port, context: HTTP2TestClient.context(pki, presenting: pki.pki.client))
    }

    /// A client presenting no certificate (token authentication).
    func tokenClient() async throws -> HTTP2TestClient {
        try await HTTP2TestClient.connect(port: port, context: HTTP2TestClient.context(pki, presenting: nil))
    }

    /// A valid `authorization` header signed with the trusted key.
    func bearer(issuedAt: Int64 = Int64(Date().timeIntervalSince1970)) throws -> (String, String) {
        ProviderTokenSigner.bearer(try ProviderTokenSigner(tokenKey).token(issuedAt: issuedAt))
    }

    func ledgerLines() throws -> [[Substring]] {
        try base.ledgerLines()
    }

    func waitUntil(_ condition: (GatewayStatistics) -> Bool) async throws {
        try await base.waitUntil(condition)
    }

    func stop() async throws {
        try await base.stop()
    }
}

extension Optional {
    struct Missing: Error {}

    func unwrap() throws -> Wrapped {
        guard let self else { throw Missing() }
        return self
    }
}
