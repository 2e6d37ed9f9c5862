/// Which APNs the provider talks to. Production refuses insecure trust settings.
public enum GatewayEnvironment: String, Sendable, Hashable, CaseIterable {
    case production
    case sandbox

    /// The binary gateway's host (port 2195).
    public var gatewayHost: String {
        switch self {
        case .production: "gateway.push.apple.com"
        case .sandbox: "gateway.sandbox.push.apple.com"
        }
    }

    /// The feedback service's host (port 2196).
    public var feedbackHost: String {
        switch self {
        case .production: "feedback.push.apple.com"
        case .sandbox: "feedback.sandbox.push.apple.com"
        }
    }
}
