/// How the gateway's certificate is verified.
public enum GatewayTrust: Sendable, Hashable {
    /// The operating system's trust store (the default).
    case systemRoots
    /// Only the CA certificates in this PEM file (e.g. a mock gateway's CA).
    case certificateAuthorities(file: String)
    /// No verification at all. For tests against a gateway with a throwaway certificate only;
    /// `GatewayTLS` refuses it for `GatewayEnvironment.production`.
    case noVerificationForTesting
}
