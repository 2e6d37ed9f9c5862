import APNSBinary

/// What the pool does with APNs' answer to one request. One table, tested case by case
/// (``init(_:authentication:)``):
///
/// | answer | disposition |
/// |---|---|
/// | 200 | ``accepted`` |
/// | 403 `ExpiredProviderToken` | ``renewProviderToken``: renew the JWT now and send again |
/// | 429 `TooManyProviderTokenUpdates` | ``retryLater`` (the current token is kept) |
/// | 403 credential reasons (`InvalidProviderToken`, `MissingProviderToken`, `UnrelatedKeyIdInToken`, `BadEnvironmentKey…`, `BadCertificate…`, `Forbidden`) | ``credentialsRejected``: fatal for the app |
/// | 429 `TooManyRequests`, any 5xx | ``retryLater`` |
/// | any other status (4xx: bad token, topic, payload…) | ``rejected`` |
public enum ResponseDisposition: Sendable, Hashable {
    case accepted
    /// The notification or its token is wrong; sending it again cannot help.
    case rejected
    /// Transient: send again later with back-off.
    case retryLater
    /// The provider token was too old: renew it and send again at once.
    case renewProviderToken
    /// The app's credentials are at fault; the pool stops with this failure.
    case credentialsRejected(GatewayFailure)

    public init(_ response: HTTP2Response, authentication: HTTP2Authentication.Kind) {
        switch (response.status, response.reason) {
        case (200, _):
            self = .accepted
        case (403, .expiredProviderToken?) where authentication == .token:
            self = .renewProviderToken
        case (429, _), (500...599, _):
            self = .retryLater
        case (_, let reason?) where APNSReason.credentialFaults.contains(reason):
            let code: GatewayFailure.Code = authentication == .token ? .providerTokenRejected : .clientCertificateRejected
            self = .credentialsRejected(GatewayFailure(
                code: code,
                message: "APNs answered \(response.status) \(reason.name); check the app's \(authentication == .token ? "key (.p8), key id and team id" : "certificate") and environment"))
        default:
            self = .rejected
        }
    }
}
