/// How the settings that carry the process environment print themselves: every setting except
/// the environment's values, which hold app passphrases (`passphrase_env`) and are never shown.
/// service-lifecycle logs each service with `String(describing:)`, which reaches these settings
/// through the service's stored properties, so without this the passphrases would be logged.
extension WorkerSettings: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        "WorkerSettings(connectionsPerApp: \(connectionsPerApp.map(String.init) ?? "per app"), claimBatch: \(claimBatch), "
            + "maxJobs: \(maxJobs), windowCapacity: \(windowCapacity), drainTimeout: \(drainTimeout), "
            + "exitWhenIdle: \(exitWhenIdle), environment: \(HiddenEnvironment(environment)))"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(self, children: [
            "connectionsPerApp": connectionsPerApp as Any, "claimBatch": claimBatch, "maxJobs": maxJobs,
            "windowCapacity": windowCapacity, "drainTimeout": drainTimeout,
            "credentialRetryDelay": credentialRetryDelay, "gatewayPause": gatewayPause,
            "maximumGatewayPause": maximumGatewayPause, "gatewayReconnectBackoff": gatewayReconnectBackoff,
            "claimBackoff": claimBackoff,
            "maximumClaimBackoff": maximumClaimBackoff, "claimLoopQueryTimeout": claimLoopQueryTimeout,
            "statisticsInterval": statisticsInterval,
            "exitWhenIdle": exitWhenIdle, "environment": HiddenEnvironment(environment),
        ], displayStyle: .struct)
    }
}

extension FeedbackJob.Settings: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        "FeedbackJob.Settings(connectTimeout: \(connectTimeout), idleTimeout: \(idleTimeout), chunkSize: \(chunkSize), "
            + "recordAttempts: \(recordAttempts), environment: \(HiddenEnvironment(environment)))"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(self, children: [
            "connectTimeout": connectTimeout, "idleTimeout": idleTimeout, "chunkSize": chunkSize,
            "recordAttempts": recordAttempts, "recordRetryDelay": recordRetryDelay,
            "environment": HiddenEnvironment(environment),
        ], displayStyle: .struct)
    }
}

/// An environment shown by its size only.
struct HiddenEnvironment: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    let count: Int
    init(_ environment: [String: String]) { count = environment.count }
    var description: String { "\(count) variables, values not shown" }
    var debugDescription: String { description }
    var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
