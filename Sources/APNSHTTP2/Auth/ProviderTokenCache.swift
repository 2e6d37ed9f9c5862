import Foundation

/// The provider token of one key as a pure value: which token to send now, and when to make a
/// new one. No clock of its own: every call takes `now`.
///
/// APNs refuses a token older than an hour (`ExpiredProviderToken`) and one renewed more often
/// than every 20 minutes (`TooManyProviderTokenUpdates`), so the token is reused for every request
/// and renewed once it is ``refreshAge`` old (between 20 and 60 minutes) — never per request.
/// `ExpiredProviderToken` for the current token (clock skew, a suspended host) renews it at once;
/// the same report for an older token changes nothing.
public struct ProviderTokenCache: Sendable {
    /// The shortest and longest allowed ``refreshAge``.
    public static let refreshAgeRange: ClosedRange<TimeInterval> = 20 * 60...60 * 60

    /// Age at which the token is renewed.
    public let refreshAge: TimeInterval
    public private(set) var current: (token: String, issuedAt: Date)?
    /// How many tokens were made.
    public private(set) var renewals = 0

    /// - Parameter refreshAge: clamped to ``refreshAgeRange``; 50 minutes by default.
    public init(refreshAge: TimeInterval = 50 * 60) {
        self.refreshAge = min(max(refreshAge, Self.refreshAgeRange.lowerBound), Self.refreshAgeRange.upperBound)
    }

    /// The token to send at `now`; makes one with `sign` when there is none or it reached
    /// ``refreshAge``.
    public mutating func token(now: Date, sign: (Date) -> String) -> String {
        if let current, now.timeIntervalSince(current.issuedAt) < refreshAge {
            return current.token
        }
        let token = sign(now)
        current = (token, now)
        renewals += 1
        return token
    }

    /// APNs answered `ExpiredProviderToken` to a request that carried `token`: if it is still the
    /// current one, the next ``token(now:sign:)`` makes a new one.
    public mutating func expiredReported(token: String) {
        if current?.token == token { current = nil }
    }
}
