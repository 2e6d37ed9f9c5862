import Foundation
import Logging
import NIOSSL

/// A provider certificate (with its chain) and the private key that belongs to it, checked at
/// load time: readable, decryptable, matching, and inside its validity period.
public struct ClientIdentity: Sendable {
    /// Leaf first.
    public let certificateChain: [NIOSSLCertificate]
    public let privateKey: NIOSSLPrivateKey
    /// The leaf's subject, e.g. `CN=Apple Push Services: com.example.app,OU=…`.
    public let subject: String
    public let notValidBefore: Date
    public let notValidAfter: Date
    /// The file the certificate came from (the `.p12`, or the PEM certificate).
    public let file: String

    /// How long before expiry `expiryWarning` starts to warn.
    public static let expiryWarningPeriod: TimeInterval = 30 * 86_400

    /// A warning when the certificate expires within `period` of `now`.
    public func expiryWarning(now: Date = Date(), within period: TimeInterval = expiryWarningPeriod) -> CredentialWarning? {
        let left = notValidAfter.timeIntervalSince(now)
        guard left <= period else { return nil }
        return CredentialWarning(file: file, subject: subject, notValidAfter: notValidAfter, daysLeft: max(0, Int(left / 86_400)))
    }

    /// Loads and checks an identity, logging a warning when it expires within 30 days.
    public static func load(from source: ClientCredentialSource, now: Date = Date(), logger: Logger) throws -> ClientIdentity {
        let identity = try load(from: source, now: now)
        if let warning = identity.expiryWarning(now: now) {
            logger.warning(
                "provider certificate expires soon",
                metadata: [
                    "file": "\(warning.file)", "subject": "\(warning.subject)",
                    "not_valid_after": "\(warning.notValidAfter.formatted(.iso8601))", "days_left": "\(warning.daysLeft)",
                ]
            )
        }
        return identity
    }
}
