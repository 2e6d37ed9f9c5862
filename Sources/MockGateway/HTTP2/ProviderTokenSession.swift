/// What one token-authenticated connection remembers about its provider tokens: APNs binds a
/// connection to the key of its first push and counts how often the token changes.
///
/// A token seen before on the connection is not verified again (a signature check per request
/// would cost the mock more than everything else together); only its age is checked.
public struct ProviderTokenSession: Sendable {
    /// Shortest time between two tokens on one connection (by `iat`) before APNs answers
    /// `429 TooManyProviderTokenUpdates`.
    public static let shortestRefreshInterval: Int64 = 20 * 60

    public private(set) var current: VerifiedProviderToken?
    /// The key id of the connection's first accepted token.
    public private(set) var boundKeyID: String?
    /// The `authorization` header that carried `current`, as sent: the usual request repeats
    /// it exactly, which one string comparison recognises.
    private var currentAuthorization: String?

    public init() {}

    /// Authorizes one request's `authorization` header at `now` (seconds since 1970).
    public mutating func authorize(
        _ authorization: String?,
        now: Int64,
        verifier: ProviderTokenVerifier
    ) -> Result<VerifiedProviderToken, HTTP2Reason> {
        if let current, let authorization, authorization == currentAuthorization {
            return current.isExpired(now: now) ? .failure(.expiredProviderToken) : .success(current)
        }
        if let current, let authorization, authorization.utf8.count == current.token.utf8.count + 7,
            authorization.utf8.dropFirst(7).elementsEqual(current.token.utf8),
            authorization.prefix(7).lowercased() == "bearer "
        {
            return current.isExpired(now: now) ? .failure(.expiredProviderToken) : .success(current)
        }
        let verified: VerifiedProviderToken
        switch verifier.verify(authorization: authorization, now: now) {
        case .failure(let reason): return .failure(reason)
        case .success(let token): verified = token
        }
        if let boundKeyID, boundKeyID != verified.keyID { return .failure(.unrelatedKeyIdInToken) }
        if let current, verified.issuedAt - current.issuedAt < Self.shortestRefreshInterval {
            return .failure(.tooManyProviderTokenUpdates)
        }
        boundKeyID = verified.keyID
        current = verified
        currentAuthorization = authorization
        return .success(verified)
    }
}
