/// The `reason` APNs gives for a refused request (the JSON body of a non-200 response, or of a
/// GOAWAY). Keeps a reason it does not know as its string, so nothing APNs says is lost.
public struct APNSReason: Sendable, Hashable, CustomStringConvertible {
    /// The string exactly as APNs sent it, e.g. `BadDeviceToken`.
    public let name: String

    public init(_ name: String) {
        self.name = name
    }

    public var description: String { name }

    // 400
    public static let badCollapseID = APNSReason("BadCollapseId")
    public static let badDeviceToken = APNSReason("BadDeviceToken")
    public static let badExpirationDate = APNSReason("BadExpirationDate")
    public static let badMessageID = APNSReason("BadMessageId")
    public static let badPriority = APNSReason("BadPriority")
    public static let badTopic = APNSReason("BadTopic")
    public static let deviceTokenNotForTopic = APNSReason("DeviceTokenNotForTopic")
    public static let duplicateHeaders = APNSReason("DuplicateHeaders")
    public static let idleTimeout = APNSReason("IdleTimeout")
    public static let invalidPushType = APNSReason("InvalidPushType")
    public static let missingDeviceToken = APNSReason("MissingDeviceToken")
    public static let missingTopic = APNSReason("MissingTopic")
    public static let payloadEmpty = APNSReason("PayloadEmpty")
    public static let topicDisallowed = APNSReason("TopicDisallowed")
    // 403
    public static let badCertificate = APNSReason("BadCertificate")
    public static let badCertificateEnvironment = APNSReason("BadCertificateEnvironment")
    public static let expiredProviderToken = APNSReason("ExpiredProviderToken")
    public static let forbidden = APNSReason("Forbidden")
    public static let invalidProviderToken = APNSReason("InvalidProviderToken")
    public static let missingProviderToken = APNSReason("MissingProviderToken")
    public static let unrelatedKeyIDInToken = APNSReason("UnrelatedKeyIdInToken")
    public static let badEnvironmentKeyIDInToken = APNSReason("BadEnvironmentKeyIdInToken")
    public static let badEnvironmentKeyInToken = APNSReason("BadEnvironmentKeyInToken")
    // 404, 405
    public static let badPath = APNSReason("BadPath")
    public static let methodNotAllowed = APNSReason("MethodNotAllowed")
    // 410
    public static let unregistered = APNSReason("Unregistered")
    public static let expiredToken = APNSReason("ExpiredToken")
    // 413
    public static let payloadTooLarge = APNSReason("PayloadTooLarge")
    // 429
    public static let tooManyProviderTokenUpdates = APNSReason("TooManyProviderTokenUpdates")
    public static let tooManyRequests = APNSReason("TooManyRequests")
    // 500, 503
    public static let internalServerError = APNSReason("InternalServerError")
    public static let serviceUnavailable = APNSReason("ServiceUnavailable")
    public static let shutdown = APNSReason("Shutdown")

    /// Reasons that say the app's credentials are at fault: the provider token (its key, team or
    /// environment) or the client certificate. Resending cannot help until they are fixed.
    public static let credentialFaults: Set<APNSReason> = [
        .badCertificate, .badCertificateEnvironment, .forbidden, .invalidProviderToken, .missingProviderToken,
        .unrelatedKeyIDInToken, .badEnvironmentKeyIDInToken, .badEnvironmentKeyInToken,
    ]
}
