import ArgumentParser
import Foundation
import MockGateway
import NIOCore

/// The HTTP/2 flags of `pushworker mock-gateway run`: port, authentication and faults.
struct MockGatewayHTTP2Options: ParsableArguments {
    @Option(help: "Serve the HTTP/2 provider API on this port (APNs: 443 or 2197; 0 picks a free one). Without it, no HTTP/2.")
    var http2Port: Int?

    @Option(help: "HTTP/2 credentials taken: certificate (client certificate required), token (provider tokens only) or either.")
    var http2Auth: HTTP2Authentication.Mode = .either

    @Option(
        name: .customLong("token-key"),
        help: "KID=PEM_FILE: verify provider tokens of key id KID with this P-256 public key (or .p8 private key) (repeatable).")
    var tokenKeys: [String] = []

    @Option(help: "Bundle id token connections may push to (repeatable; default: any).")
    var tokenTopic: [String] = []

    @Option(help: "SETTINGS_MAX_CONCURRENT_STREAMS announced on HTTP/2 connections (default 1000).")
    var http2MaxStreams: Int?

    @Flag(help: "Announce the full stream limit at once on token connections (APNs allows 1 stream until a token was accepted).")
    var http2NoSingleStreamBeforeToken = false

    @Option(help: "Per connection: after N answered requests drop the stream limit to 1 (see --http2-stream-limit-rise-after; repeats).")
    var http2StreamLimitDropAfter: Int?

    @Option(help: "Per connection: after M answered requests at a limit of 1, announce the full limit again (default 1).")
    var http2StreamLimitRiseAfter: Int?

    @Flag(help: "Drop the stream limit to 1 after each rejected request and restore it after the next accepted one (as APNs was seen doing).")
    var http2StreamLimitFollowsRejections = false

    @Option(help: "Per connection: after N answered requests send GOAWAY naming the highest answered stream, then close.")
    var http2GoawayAfter: Int?

    @Option(help: "The reason in the GOAWAY's JSON payload (default Shutdown).")
    var http2GoawayReason: String?

    @Option(
        name: .customLong("http2-reason-rate"),
        help: "REASON=FRACTION: answer this fraction of valid requests with REASON, e.g. Unregistered=0.01, TooManyRequests=0.02, ServiceUnavailable=0.01 (repeatable, drawn in order, seeded by --seed).")
    var reasonRates: [String] = []

    @Option(
        name: .customLong("http2-reason-tokens"),
        help: "REASON=FILE: answer requests to the hex tokens in FILE (one per line) with REASON, e.g. BadDeviceToken=bad.txt (repeatable). Tokens of --reject-tokens-file get 410 Unregistered.")
    var reasonTokenFiles: [String] = []

    @Option(help: "Delay every HTTP/2 response by this many milliseconds.")
    var http2LatencyMs: Int?

    func validate() throws {
        if let http2Port, !(0...65535).contains(http2Port) { throw ValidationError("--http2-port must be 0...65535") }
        if let http2MaxStreams, http2MaxStreams < 1 { throw ValidationError("--http2-max-streams must be at least 1") }
        if let http2GoawayReason, HTTP2Reason(name: http2GoawayReason) == nil {
            throw ValidationError("--http2-goaway-reason \(http2GoawayReason) is not a reason APNs documents")
        }
        for entry in reasonRates {
            _ = try Self.reasonRate(entry)
        }
    }

    /// The HTTP/2 configuration, or `nil` without `--http2-port`. The token key of `generated`
    /// (from `--generate-certs`) is trusted in addition to `--token-key`. The faults of
    /// `configFile` (`--config`) apply first, the flags given on top.
    func configuration(
        teamID: String, generated: GatewayPKIFiles?, configFile: FaultPlanFile? = nil
    ) throws -> HTTP2GatewayConfiguration? {
        guard let http2Port else { return nil }
        var tokens = ProviderTokenVerifier(keys: [:], teamID: teamID)
        if let generated {
            let keyID = try String(contentsOfFile: generated.tokenKeyID, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            try tokens.trustKey(id: keyID, pemFile: generated.tokenPrivateKey)
        }
        for entry in tokenKeys {
            let (keyID, file) = try Self.pair(entry, flag: "--token-key", expected: "KID=PEM_FILE")
            try tokens.trustKey(id: keyID, pemFile: file)
        }
        var faults = HTTP2FaultPlan()
        if let configFile, let http2 = configFile.http2 {
            try http2.apply(to: &faults, folder: configFile.folder)
        }
        if let http2MaxStreams { faults.maxConcurrentStreams = http2MaxStreams }
        if http2NoSingleStreamBeforeToken { faults.tokenConnectionsStartWithOneStream = false }
        if let http2StreamLimitDropAfter { faults.streamLimitDropAfter = http2StreamLimitDropAfter }
        if let http2StreamLimitRiseAfter { faults.streamLimitRiseAfter = http2StreamLimitRiseAfter }
        if http2StreamLimitFollowsRejections { faults.streamLimitFollowsRejections = true }
        if let http2GoawayAfter { faults.goAwayAfter = http2GoawayAfter }
        if let http2GoawayReason { faults.goAwayReason = HTTP2Reason(name: http2GoawayReason) ?? .shutdown }
        if !reasonRates.isEmpty { faults.reasonRates = try reasonRates.map(Self.reasonRate) }
        if let http2LatencyMs { faults.responseLatency = .milliseconds(Int64(http2LatencyMs)) }
        for entry in reasonTokenFiles {
            let (name, file) = try Self.pair(entry, flag: "--http2-reason-tokens", expected: "REASON=FILE")
            let reason = try Self.reason(name, flag: "--http2-reason-tokens")
            for token in try FaultPlanFile.tokens(fromFile: file) {
                faults.reasonsByToken[token] = reason
            }
        }
        return HTTP2GatewayConfiguration(
            port: http2Port,
            authentication: HTTP2Authentication(
                mode: http2Auth,
                tokens: tokens,
                allowedTopics: tokenTopic.isEmpty ? nil : Set(tokenTopic)
            ),
            faults: faults
        )
    }

    private static func reasonRate(_ entry: String) throws -> HTTP2FaultPlan.ReasonRate {
        let (name, value) = try pair(entry, flag: "--http2-reason-rate", expected: "REASON=FRACTION")
        guard let rate = Double(value), (0...1).contains(rate) else {
            throw ValidationError("--http2-reason-rate \(entry): the fraction must be between 0 and 1")
        }
        return HTTP2FaultPlan.ReasonRate(reason: try reason(name, flag: "--http2-reason-rate"), rate: rate)
    }

    private static func reason(_ name: String, flag: String) throws -> HTTP2Reason {
        guard let reason = HTTP2Reason(name: name) else {
            throw ValidationError("\(flag): \(name) is not a reason APNs documents (e.g. BadDeviceToken, Unregistered, TooManyRequests)")
        }
        return reason
    }

    private static func pair(_ entry: String, flag: String, expected: String) throws -> (String, String) {
        let parts = entry.split(separator: "=", maxSplits: 1)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw ValidationError("\(flag) \(entry): expected \(expected)")
        }
        return (String(parts[0]), String(parts[1]))
    }
}

extension HTTP2Authentication.Mode: ExpressibleByArgument {}
