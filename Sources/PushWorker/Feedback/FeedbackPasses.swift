import Foundation

/// What the last scheduled pass of the feedback job did, for `/health`: healthy once a pass
/// completed (apps that failed alone are listed, not fatal); unhealthy before the first pass and
/// when the last one could not run at all (database unreachable, schema out of date).
actor FeedbackPasses {
    private var lastFinished: Date?
    private var failedApps: [String] = []
    private var lastError: String?

    func finished(_ outcomes: [FeedbackAppOutcome]) {
        lastFinished = Date()
        lastError = nil
        failedApps = outcomes.compactMap { if case .failure = $0.result { $0.app } else { nil } }
    }

    func failed(_ error: any Error) {
        lastError = "\(error)"
    }

    func health() -> HealthReport {
        var details: [String: String] = [:]
        if let lastFinished {
            details["last_pass"] = ISO8601DateFormatter().string(from: lastFinished)
        }
        if !failedApps.isEmpty {
            details["failed_apps"] = failedApps.joined(separator: ",")
        }
        if let lastError {
            return .unhealthy(lastError, details: details)
        }
        guard lastFinished != nil else {
            return .unhealthy("no feedback pass has finished yet", details: details)
        }
        return .healthy(details)
    }
}
