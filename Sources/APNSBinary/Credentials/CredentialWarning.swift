import Foundation

/// Something about a usable identity the operator should act on soon.
public struct CredentialWarning: Sendable, Hashable, CustomStringConvertible {
    /// The file the certificate came from.
    public var file: String
    public var subject: String
    public var notValidAfter: Date
    /// Whole days left (0 on the last day).
    public var daysLeft: Int

    public var description: String {
        "the certificate in \(file) (\(subject)) expires on \(notValidAfter.formatted(.iso8601)), in \(daysLeft) day(s); renew it before then"
    }
}
