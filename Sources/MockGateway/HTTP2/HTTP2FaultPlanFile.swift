import Foundation

/// The `"http2"` object of a `--config` file (``FaultPlanFile``): the HTTP/2 faults, each key
/// optional, the same as the `--http2-*` flags (which win):
///
/// ```json
/// "http2": {
///   "maxStreams": 1000,                          // SETTINGS_MAX_CONCURRENT_STREAMS
///   "singleStreamBeforeToken": true,             // token connections start at 1 stream
///   "streamLimitDropAfter": 500, "streamLimitRiseAfter": 20,
///   "streamLimitFollowsRejections": false,
///   "goAwayAfter": 10000, "goAwayReason": "Shutdown",
///   "reasonRates": [{"reason": "Unregistered", "rate": 0.01}],   // drawn in order
///   "reasonTokensFiles": {"BadDeviceToken": "bad.txt"},          // hex tokens, one per line
///   "latencyMilliseconds": 5
/// }
/// ```
public struct HTTP2FaultPlanFile: Decodable, Sendable {
    public struct ReasonRate: Decodable, Sendable {
        public var reason: String
        public var rate: Double
    }

    public var maxStreams: Int?
    public var singleStreamBeforeToken: Bool?
    public var streamLimitDropAfter: Int?
    public var streamLimitRiseAfter: Int?
    public var streamLimitFollowsRejections: Bool?
    public var goAwayAfter: Int?
    public var goAwayReason: String?
    public var reasonRates: [ReasonRate]?
    public var reasonTokensFiles: [String: String]?
    public var latencyMilliseconds: Int?

    /// Applies the settings on top of `plan`; file paths relative to `folder`.
    public func apply(to plan: inout HTTP2FaultPlan, folder: String = "") throws {
        if let maxStreams {
            guard maxStreams >= 1 else { throw FaultPlanFile.Problem(description: "http2.maxStreams must be at least 1") }
            plan.maxConcurrentStreams = maxStreams
        }
        if let singleStreamBeforeToken { plan.tokenConnectionsStartWithOneStream = singleStreamBeforeToken }
        if let streamLimitDropAfter { plan.streamLimitDropAfter = streamLimitDropAfter }
        if let streamLimitRiseAfter { plan.streamLimitRiseAfter = streamLimitRiseAfter }
        if let streamLimitFollowsRejections { plan.streamLimitFollowsRejections = streamLimitFollowsRejections }
        if let goAwayAfter { plan.goAwayAfter = goAwayAfter }
        if let goAwayReason { plan.goAwayReason = try Self.reason(goAwayReason, key: "http2.goAwayReason") }
        if let reasonRates {
            plan.reasonRates = try reasonRates.map { entry in
                guard (0...1).contains(entry.rate) else {
                    throw FaultPlanFile.Problem(description: "http2.reasonRates: the rate of \(entry.reason) must be between 0 and 1")
                }
                return HTTP2FaultPlan.ReasonRate(reason: try Self.reason(entry.reason, key: "http2.reasonRates"), rate: entry.rate)
            }
        }
        for (name, file) in (reasonTokensFiles ?? [:]).sorted(by: { $0.key < $1.key }) {
            let reason = try Self.reason(name, key: "http2.reasonTokensFiles")
            let path = file.hasPrefix("/") || folder.isEmpty ? file : folder + "/" + file
            for token in try FaultPlanFile.tokens(fromFile: path) { plan.reasonsByToken[token] = reason }
        }
        if let latencyMilliseconds { plan.responseLatency = .milliseconds(Int64(latencyMilliseconds)) }
    }

    private static func reason(_ name: String, key: String) throws -> HTTP2Reason {
        guard let reason = HTTP2Reason(name: name) else {
            throw FaultPlanFile.Problem(description: "\(key): \(name) is not a reason APNs documents (e.g. BadDeviceToken, Unregistered)")
        }
        return reason
    }
}
