import NIOSSL
import X509

/// How HTTP/2 clients prove who they are. APNs takes either a client certificate or a
/// provider token (JWT) per connection; a connection that presented a certificate is a
/// certificate connection and its `authorization` headers are ignored.
public struct HTTP2Authentication: Sendable {
    /// Which credentials the gateway takes.
    public enum Mode: String, Sendable, Hashable, CaseIterable {
        /// A client certificate signed by the mock CA is required (TLS refuses others).
        case certificate
        /// No client certificate is asked for; every request needs a provider token.
        case token
        /// A client certificate is asked for but optional; connections without one use tokens.
        case either
    }

    public var mode: Mode
    /// Verifies provider tokens; with no keys every token is `InvalidProviderToken`.
    public var tokens: ProviderTokenVerifier
    /// Bundle ids token connections may push to; `nil` allows any.
    public var allowedTopics: Set<String>?

    public init(
        mode: Mode = .either,
        tokens: ProviderTokenVerifier = ProviderTokenVerifier(keys: [:], teamID: ""),
        allowedTopics: Set<String>? = nil
    ) {
        self.mode = mode
        self.tokens = tokens
        self.allowedTopics = allowedTopics
    }

    /// How the TLS server treats client certificates in this mode.
    var certificateVerification: CertificateVerification {
        switch mode {
        case .certificate: .noHostnameVerification
        case .token: .none
        case .either: .optionalVerification
        }
    }
}

/// What a connection authenticated with, decided once the TLS handshake completed.
public enum ConnectionCredential: Sendable, Hashable {
    /// A client certificate; `topic` is its app's bundle id when the mock could read one from
    /// the subject (`Apple Push Services: <bundle id>`).
    case certificate(topic: String?)
    /// No certificate: each request carries a provider token.
    case token

    /// The credential of a connection whose client presented `certificate` (or none).
    static func of(peer certificate: NIOSSLCertificate?) -> ConnectionCredential {
        guard let certificate else { return .token }
        return .certificate(topic: topic(of: certificate))
    }

    /// The bundle id in the common name `Apple Push Services: <bundle id>` of an Apple-shaped
    /// provider certificate.
    static func topic(of certificate: NIOSSLCertificate) -> String? {
        guard let der = try? certificate.toDERBytes(), let parsed = try? Certificate(derEncoded: der) else { return nil }
        let prefix = "Apple Push Services: "
        for relativeName in parsed.subject {
            for attribute in relativeName where attribute.type == .RDNAttributeType.commonName {
                if let name = String(attribute.value), name.hasPrefix(prefix), name.count > prefix.count {
                    return String(name.dropFirst(prefix.count))
                }
            }
        }
        return nil
    }
}
