import APNSBinary
import Foundation
import NIOCore

/// The fault plan and feedback list as a JSON file, for `pushworker mock-gateway --config`.
/// Every key is optional:
///
/// ```json
/// {
///   "invalidTokens": ["<64 hex>", "…"],        // answered with status 8
///   "invalidTokensFile": "bad-tokens.txt",      // one hex token per line, # comments
///   "processingErrorRate": 0.01, "seed": 7,     // status 1, reproducible per seed
///   "shutdownAfter": 10000,                     // per connection: status 10 after N accepted
///   "abruptCloseAfter": 7000,                   // per connection: close without response
///   "shutdownEvery": 10000,                     // gateway-wide variants of the two above
///   "abruptCloseEvery": 7000,
///   "readLatencyMilliseconds": 5,
///   "connectionLimit": 8,
///   "probeIdentifierZero": false,               // answer missing-token errors with id 0
///   "feedback": [{"token": "<hex>", "timestamp": 1700000000}],
///   "feedbackFile": "feedback.txt",             // lines "<hex token> <unix seconds>"
///   "truncateFeedback": false,
///   "clearFeedbackOnceRead": false,
///   "keepFeedbackOpen": false,                  // never close: clients must stop on idle
///   "http2": { … }                              // HTTP/2 faults: see HTTP2FaultPlanFile
/// }
/// ```
///
/// Relative file paths are resolved against the config file's folder.
public struct FaultPlanFile: Decodable, Sendable {
    public struct FeedbackEntry: Decodable, Sendable {
        public var token: String
        public var timestamp: UInt32
    }

    public var invalidTokens: [String]?
    public var invalidTokensFile: String?
    public var processingErrorRate: Double?
    public var seed: UInt64?
    public var shutdownAfter: Int?
    public var abruptCloseAfter: Int?
    public var shutdownEvery: Int?
    public var abruptCloseEvery: Int?
    public var readLatencyMilliseconds: Int?
    public var connectionLimit: Int?
    public var probeIdentifierZero: Bool?
    public var feedback: [FeedbackEntry]?
    public var feedbackFile: String?
    public var truncateFeedback: Bool?
    public var clearFeedbackOnceRead: Bool?
    public var keepFeedbackOpen: Bool?
    public var http2: HTTP2FaultPlanFile?
    /// The folder of the file, for the relative paths of ``http2``.
    public private(set) var folder = ""

    private enum CodingKeys: String, CodingKey {
        case invalidTokens, invalidTokensFile, processingErrorRate, seed, shutdownAfter, abruptCloseAfter
        case shutdownEvery, abruptCloseEvery, readLatencyMilliseconds, connectionLimit, probeIdentifierZero
        case feedback, feedbackFile, truncateFeedback, clearFeedbackOnceRead, keepFeedbackOpen, http2
    }

    /// An empty plan (every setting absent); command-line flags fill one in and apply it after
    /// the file's.
    public init() {}

    /// A problem with the file, naming it and the entry.
    public struct Problem: Error, CustomStringConvertible {
        public var description: String
    }

    /// Reads and decodes `path`.
    public static func load(path: String) throws -> FaultPlanFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Problem(description: "cannot read the fault plan \(path)")
        }
        do {
            var file = try JSONDecoder().decode(FaultPlanFile.self, from: data)
            let folder = (path as NSString).deletingLastPathComponent
            file.invalidTokensFile = file.invalidTokensFile.map { resolve($0, in: folder) }
            file.feedbackFile = file.feedbackFile.map { resolve($0, in: folder) }
            file.folder = folder
            return file
        } catch {
            throw Problem(description: "the fault plan \(path) is not valid JSON of the documented shape: \(error)")
        }
    }

    private static func resolve(_ path: String, in folder: String) -> String {
        path.hasPrefix("/") || folder.isEmpty ? path : folder + "/" + path
    }

    /// Applies the file's settings on top of `plan`.
    public func apply(to plan: inout FaultPlan) throws {
        for text in invalidTokens ?? [] {
            plan.invalidTokens.insert(try Self.token(text, source: "invalidTokens"))
        }
        if let invalidTokensFile {
            plan.invalidTokens.formUnion(try Self.tokens(fromFile: invalidTokensFile))
        }
        if let processingErrorRate { plan.processingErrorRate = processingErrorRate }
        if let seed { plan.seed = seed }
        if let shutdownAfter { plan.shutdownAfter = shutdownAfter }
        if let abruptCloseAfter { plan.abruptCloseAfter = abruptCloseAfter }
        if let shutdownEvery { plan.shutdownEvery = shutdownEvery }
        if let abruptCloseEvery { plan.abruptCloseEvery = abruptCloseEvery }
        if let readLatencyMilliseconds { plan.readLatency = .milliseconds(Int64(readLatencyMilliseconds)) }
        if let connectionLimit { plan.connectionLimit = connectionLimit }
        if let probeIdentifierZero { plan.missingTokenNamesIdentifierZero = probeIdentifierZero }
    }

    /// Applies the file's feedback settings on top of `plan`.
    public func apply(to plan: inout FeedbackPlan) throws {
        for entry in feedback ?? [] {
            plan.tuples.append(FeedbackTuple(timestamp: entry.timestamp, deviceToken: try Self.token(entry.token, source: "feedback")))
        }
        if let feedbackFile {
            plan.tuples.append(contentsOf: try Self.feedbackTuples(fromFile: feedbackFile))
        }
        if let truncateFeedback { plan.truncateLastTuple = truncateFeedback }
        if let clearFeedbackOnceRead { plan.clearOnceRead = clearFeedbackOnceRead }
        if let keepFeedbackOpen { plan.keepOpen = keepFeedbackOpen }
    }

    static func token(_ text: some StringProtocol, source: String) throws -> ByteBuffer {
        guard let bytes = HexBytes.parse(text) else {
            throw Problem(description: "\(source): \"\(text)\" is not a hex device token")
        }
        return ByteBuffer(bytes: bytes)
    }

    /// One hex token per line; blank lines and `#` comments are skipped.
    public static func tokens(fromFile path: String) throws -> Set<ByteBuffer> {
        var tokens = Set<ByteBuffer>()
        for (number, line) in try meaningfulLines(path) {
            tokens.insert(try token(line, source: "\(path):\(number)"))
        }
        return tokens
    }

    /// Lines `<hex token> <unix seconds>`; blank lines and `#` comments are skipped.
    public static func feedbackTuples(fromFile path: String) throws -> [FeedbackTuple] {
        try meaningfulLines(path).map { number, line in
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," })
            guard fields.count == 2, let timestamp = UInt32(fields[1]) else {
                throw Problem(description: "\(path):\(number): expected \"<hex token> <unix seconds>\"")
            }
            return FeedbackTuple(timestamp: timestamp, deviceToken: try token(fields[0], source: "\(path):\(number)"))
        }
    }

    private static func meaningfulLines(_ path: String) throws -> [(Int, Substring)] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Problem(description: "cannot read \(path)")
        }
        let text = String(decoding: data, as: UTF8.self)
        return text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().compactMap { index, raw in
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first?
                .trimmingCharacters(in: .whitespaces) ?? ""
            return line.isEmpty ? nil : (index + 1, Substring(line))
        }
    }
}
