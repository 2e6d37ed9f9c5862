/// Why the pool could not send a notification, or why a pool stopped.
///
/// A struct over a private enum so that codes can be added without breaking callers' `switch`es.
/// Messages say what happened and what to do; they never contain keys, passphrases or payloads.
public struct GatewayFailure: Error, Sendable, Hashable {
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: Sendable, Hashable {
            case connectionLost, clientCertificateRejected, gatewayCertificateUntrusted
            case gatewayUnreachable, poolClosed, providerTokenRejected
        }
        private let base: Base

        /// The notification was on several connections that each ended without an error response
        /// or probe answer; it may or may not have been delivered. Requeue it with back-off.
        public static let connectionLost = Code(base: .connectionLost)
        /// The gateway refused the TLS handshake because of our client certificate (unknown CA,
        /// expired, revoked, missing). Fatal for the pool: fix the credentials.
        public static let clientCertificateRejected = Code(base: .clientCertificateRejected)
        /// The gateway's certificate did not verify against the configured trust roots. Fatal for
        /// the pool: fix the CA file or the host name.
        public static let gatewayCertificateUntrusted = Code(base: .gatewayCertificateUntrusted)
        /// Several connection attempts in a row failed (refused, timed out, reset before the
        /// gateway proved it accepted us). The pool keeps retrying with back-off; requeue later.
        public static let gatewayUnreachable = Code(base: .gatewayUnreachable)
        /// The pool was drained or failed before the notification could be sent.
        public static let poolClosed = Code(base: .poolClosed)
        /// HTTP/2 with token authentication: APNs refused the provider token (invalid, missing,
        /// signed by a key unrelated to the connection or to the environment). Fatal for the pool:
        /// fix the `.p8` key, key id or team id.
        public static let providerTokenRejected = Code(base: .providerTokenRejected)

        public var description: String {
            switch base {
            case .connectionLost: "connection lost"
            case .clientCertificateRejected: "client certificate rejected"
            case .gatewayCertificateUntrusted: "gateway certificate untrusted"
            case .gatewayUnreachable: "gateway unreachable"
            case .poolClosed: "pool closed"
            case .providerTokenRejected: "provider token rejected"
            }
        }
    }

    public var code: Code
    /// What happened, in words, including the underlying error's description where there is one.
    public var message: String

    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// Whether the failure stops the pool for good (credentials must be fixed).
    public var isFatal: Bool {
        code == .clientCertificateRejected || code == .gatewayCertificateUntrusted || code == .providerTokenRejected
    }
}

extension GatewayFailure: CustomStringConvertible {
    public var description: String { "\(code): \(message)" }
}
