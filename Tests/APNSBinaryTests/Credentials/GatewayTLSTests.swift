import APNSBinary
import MockGateway
import NIOSSL
import TestSupport
import Testing

@Suite struct GatewayTLSTests {
    let fixtures: CredentialFixtures
    let identity: ClientIdentity

    init() throws {
        fixtures = try CredentialFixtures.get()
        identity = try ClientIdentity.load(
            from: .pkcs12(file: fixtures.files.clientPKCS12, passphrase: Passphrase(CredentialFixtures.passphrase)))
    }

    /// A frame with a zero-length token: the gateway must answer `08 02 <id>`, which proves the
    /// TLS session carried data both ways.
    private let probe: [UInt8] = [2, 0, 0, 0, 10, 1, 0, 0, 3, 0, 4, 0, 0, 0, 7]

    @Test func trustsTheGatewayThroughTheOperatorsCAFile() async throws {
        let gateway = try await MockGateway.start(MockGatewayConfiguration(feedbackPort: nil, tls: try fixtures.pki.serverTLS()))
        let context = try GatewayTLS.makeClientContext(
            identity: identity, trust: .certificateAuthorities(file: fixtures.files.caCertificate), environment: .sandbox)
        let exchange = try await RawTLSClient.exchange(port: gateway.gatewayPort, context: context, chunks: [probe])
        try await gateway.stop()
        #expect(exchange.received == [8, 2, 0, 0, 0, 7])
    }

    @Test func refusesAGatewayWhoseCertificateTheSystemDoesNotTrust() async throws {
        let gateway = try await MockGateway.start(MockGatewayConfiguration(feedbackPort: nil, tls: try fixtures.pki.serverTLS()))
        let context = try GatewayTLS.makeClientContext(identity: identity, trust: .systemRoots, environment: .production)
        let exchange = try await RawTLSClient.exchange(port: gateway.gatewayPort, context: context, chunks: [probe])
        try await gateway.stop()
        #expect(exchange.received.isEmpty)
        #expect(exchange.error?.contains("CERTIFICATE_VERIFY_FAILED") == true)
    }

    @Test func refusesAGatewayCertificateForAnotherHostName() async throws {
        // NIOSSL also accepts a certificate naming the connected IP address, so this gateway's
        // certificate names only `localhost`.
        let server = try fixtures.pki.pki.authority.issueServerIdentity(ipAddresses: [])
        var tls = try fixtures.pki.serverTLS()
        tls.certificateChain = [try server.nioCertificate()]
        tls.privateKey = try server.nioPrivateKey()
        let gateway = try await MockGateway.start(MockGatewayConfiguration(feedbackPort: nil, tls: tls))
        let context = try GatewayTLS.makeClientContext(
            identity: identity, trust: .certificateAuthorities(file: fixtures.files.caCertificate), environment: .sandbox)
        let exchange = try await RawTLSClient.exchange(
            port: gateway.gatewayPort, context: context, serverHostname: "gateway.sandbox.push.apple.com", chunks: [probe])
        try await gateway.stop()
        #expect(exchange.received.isEmpty)
        #expect(exchange.error != nil)
    }

    @Test func skippingVerificationIsRefusedInProductionOnly() throws {
        let error = credentialError {
            _ = try GatewayTLS.makeClientConfiguration(identity: identity, trust: .noVerificationForTesting, environment: .production)
        }
        #expect(error?.code == .insecureTrustRefusedInProduction)
        let sandbox = try GatewayTLS.makeClientConfiguration(identity: identity, trust: .noVerificationForTesting, environment: .sandbox)
        #expect(sandbox.certificateVerification == .none)
        let production = try GatewayTLS.makeClientConfiguration(identity: identity, environment: .production)
        #expect(production.certificateVerification == .fullVerification)
    }

    @Test func missingCAFileIsNamed() {
        let missing = fixtures.directory + "/no-ca.pem"
        let error = credentialError {
            _ = try GatewayTLS.makeClientConfiguration(identity: identity, trust: .certificateAuthorities(file: missing), environment: .sandbox)
        }
        #expect(error?.code == .fileNotFound)
        #expect(error?.file == missing)
    }
}
