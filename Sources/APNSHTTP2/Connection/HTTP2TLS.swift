import APNSBinary
import NIOSSL

/// The client side of TLS for HTTP/2 gateway connections: ``GatewayTLS``'s trust rules, ALPN
/// `h2`, and a client certificate only for certificate authentication.
public enum HTTP2TLS {
    /// The shared client context of one app's pool (build it once; it is expensive).
    ///
    /// - Parameter identity: the provider certificate for certificate authentication; `nil` for
    ///   token authentication.
    /// - Throws: `CredentialError` (see ``GatewayTLS/makeClientConfiguration(identity:trust:environment:)``).
    public static func makeClientContext(
        identity: ClientIdentity?, trust: GatewayTrust = .systemRoots, environment: GatewayEnvironment
    ) throws -> NIOSSLContext {
        var configuration = try GatewayTLS.makeClientConfiguration(identity: identity, trust: trust, environment: environment)
        configuration.applicationProtocols = ["h2"]
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            let file = identity?.file ?? "(token authentication)"
            throw CredentialError(
                .tlsConfigurationRejected, file: file,
                message: "the TLS library rejected the HTTP/2 client configuration (identity \(file))")
        }
    }
}
