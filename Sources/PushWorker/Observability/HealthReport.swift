/// What `/health` answers: healthy (200) or not (503), with the reason and a few facts.
public struct HealthReport: Sendable, Hashable {
    /// `true` answers 200, `false` answers 503.
    public var isHealthy: Bool
    /// Why the process is not healthy (shown in the 503 body); `nil` when healthy.
    public var reason: String?
    /// Small facts worth showing in the body (e.g. `"apps": "3"`); never a secret.
    public var details: [String: String]

    public init(isHealthy: Bool, reason: String? = nil, details: [String: String] = [:]) {
        self.isHealthy = isHealthy
        self.reason = reason
        self.details = details
    }

    /// A healthy report.
    public static func healthy(_ details: [String: String] = [:]) -> HealthReport {
        HealthReport(isHealthy: true, details: details)
    }

    /// An unhealthy report saying why.
    public static func unhealthy(_ reason: String, details: [String: String] = [:]) -> HealthReport {
        HealthReport(isHealthy: false, reason: reason, details: details)
    }
}
