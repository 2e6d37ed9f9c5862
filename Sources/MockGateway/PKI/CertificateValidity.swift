import Foundation

/// The period during which a generated certificate is valid.
///
/// Tests use it to make certificates that expired, are not valid yet, or expire soon.
public struct CertificateValidity: Sendable, Hashable {
    public var notBefore: Date
    public var notAfter: Date

    public init(notBefore: Date, notAfter: Date) {
        self.notBefore = notBefore
        self.notAfter = notAfter
    }

    /// Valid from one hour before `start` (tolerates clock skew) for `days` days.
    public static func days(_ days: Int, from start: Date = Date()) -> CertificateValidity {
        CertificateValidity(
            notBefore: start.addingTimeInterval(-3600),
            notAfter: start.addingTimeInterval(TimeInterval(days) * 86_400)
        )
    }

    /// A certificate that stopped being valid `daysAgo` days before `now`.
    public static func expired(daysAgo: Int = 1, now: Date = Date()) -> CertificateValidity {
        CertificateValidity(
            notBefore: now.addingTimeInterval(-TimeInterval(daysAgo + 365) * 86_400),
            notAfter: now.addingTimeInterval(-TimeInterval(daysAgo) * 86_400)
        )
    }

    /// A certificate that becomes valid `daysAhead` days after `now`.
    public static func notYetValid(daysAhead: Int = 1, now: Date = Date()) -> CertificateValidity {
        CertificateValidity(
            notBefore: now.addingTimeInterval(TimeInterval(daysAhead) * 86_400),
            notAfter: now.addingTimeInterval(TimeInterval(daysAhead + 365) * 86_400)
        )
    }
}
