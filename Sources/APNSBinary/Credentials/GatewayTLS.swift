import NIOCore
import NIOSSL

/// Builds the client side of mutual TLS for the gateway and feedback connections.
///
/// The context is expensive: build it once per app and environment and share it between
/// connections. Pass the gateway's host name as `serverHostname` to `NIOSSLClientHandler`; it is
/// checked against the certificate's names unless trust is `.noVerificationForTesting`.
public enum GatewayTLS {
    /// The TLS configuration presenting `identity` (none for HTTP/2 token authentication) and
    /// verifying the gateway per `trust`.
    ///
    /// - Throws: `CredentialError` when `trust` is `.noVerificationForTesting` in production,
    ///   or the CA file is missing, unreadable or holds no certificate.
    public static func makeClientConfiguration(
        identity: ClientIdentity?,
        trust: GatewayTrust = .systemRoots,
        environment: GatewayEnvironment
    ) throws -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let identity {
            configuration.certificateChain = identity.certificateChain.map { .certificate($0) }
            configuration.privateKey = .privateKey(identity.privateKey)
        }
        configuration.minimumTLSVersion = .tlsv12
        switch trust {
        case .systemRoots:
            configuration.trustRoots = .default
            configuration.certificateVerification = .fullVerification
        case .certificateAuthorities(let file):
            let authorities = try ClientIdentity.loadCertificates(file: file, role: "gateway CA")
            configuration.trustRoots = .certificates(authorities)
            configuration.certificateVerification = .fullVerification
        case .noVerificationForTesting:
            guard environment != .production else {
                let file = identity?.file ?? "(no client certificate)"
                throw CredentialError(
                    .insecureTrustRefusedInProduction, file: file,
                    message: "refusing to skip verification of the production gateway's certificate (identity \(file)); use the system roots or a CA file")
            }
            configuration.certificateVerification = .none
        }
        return configuration
    }

    /// The shared client context; see `makeClientConfiguration`.
    public static func makeClientContext(
        identity: ClientIdentity,
        trust: GatewayTrust = .systemRoots,
        environment: GatewayEnvironment
    ) throws -> NIOSSLContext {
        let configuration = try makeClientConfiguration(identity: identity, trust: trust, environment: environment)
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw CredentialError(
                .tlsConfigurationRejected, file: identity.file,
                message: "the TLS library rejected the identity from \(identity.file) (\(identity.subject))")
        }
    }
}

extension GatewayTLS {
    /// The name to send as SNI and check the gateway's certificate against: `serverHostname` when
    /// given, else `host` — unless `host` is an IP address, which SNI cannot carry; then `nil`, and
    /// the certificate is checked against the address connected to (its IP subject alternative
    /// names).
    public static func serverName(host: String, serverHostname: String?) -> String? {
        if let serverHostname { return serverHostname }
        let isAddress = (try? SocketAddress(ipAddress: host, port: 0)) != nil
        return isAddress ? nil : host
    }
}
