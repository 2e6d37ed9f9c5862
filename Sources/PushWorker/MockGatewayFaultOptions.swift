import ArgumentParser
import MockGateway
import NIOCore

/// The fault, feedback and parsing flags of `pushworker mock-gateway run`. A `--config` file is
/// applied first, flags on top of it.
struct MockGatewayFaultOptions: ParsableArguments {
    @Option(help: "JSON fault plan and feedback list (see FaultPlanFile); flags override it.")
    var config: String?

    @Option(name: .customLong("reject-token"), help: "Hex device token answered with status 8 (repeatable).")
    var rejectTokens: [String] = []

    @Option(help: "File of hex tokens answered with status 8, one per line.")
    var rejectTokensFile: String?

    @Option(help: "Probability (0...1) of answering a valid notification with status 1.")
    var processingErrorRate: Double?

    @Option(help: "Seed of the processing-error draws.")
    var seed: UInt64?

    @Option(help: "Per connection: after N accepted notifications answer status 10 (naming the last accepted) and close.")
    var shutdownAfter: Int?

    @Option(help: "Per connection: after N accepted notifications close without a response.")
    var abruptCloseAfter: Int?

    @Option(help: "Gateway-wide: every Nth accepted notification triggers a status-10 shutdown of its connection.")
    var shutdownEvery: Int?

    @Option(help: "Gateway-wide: every Nth accepted notification triggers an abrupt close of its connection.")
    var abruptCloseEvery: Int?

    @Option(help: "Delay each socket read by this many milliseconds.")
    var readLatencyMs: Int?

    @Option(help: "Close connections beyond this many at once.")
    var connectionLimit: Int?

    @Option(help: "Gateway-wide: once N notifications were accepted, stop reading from every connection (TCP windows fill).")
    var stopReadingAfter: Int?

    @Option(help: "With --stop-reading-after: read again this many milliseconds after stopping (default: never).")
    var resumeReadingAfterMs: Int?

    @Flag(help: "Answer missing-token errors (the known-bad probe) with identifier 0, as the old sandbox did.")
    var probeIdentifierZero = false

    @Option(help: "Feedback tuples to serve: lines \"<hex token> <unix seconds>\".")
    var feedbackFile: String?

    @Flag(help: "Cut the last feedback tuple short before closing.")
    var truncateFeedback = false

    @Flag(help: "Serve the feedback list once, then an empty one (as APNs does).")
    var clearFeedbackOnceRead = false

    @Flag(help: "Never close feedback connections: clients must end the read by their idle timeout.")
    var keepFeedbackOpen = false

    @Option(help: "Smallest accepted token length in bytes.")
    var minTokenLength: Int = 32

    @Option(help: "Largest accepted token length in bytes (at most 100).")
    var maxTokenLength: Int = 32

    @Option(help: "Largest payload of commands 0 and 1.")
    var legacyPayloadLimit: Int = 256

    @Option(help: "Largest payload of command 2.")
    var framePayloadLimit: Int = 2048

    func validate() throws {
        if let rate = processingErrorRate, !(0...1).contains(rate) {
            throw ValidationError("--processing-error-rate must be between 0 and 1")
        }
        guard minTokenLength >= 1, minTokenLength <= maxTokenLength, maxTokenLength <= 100 else {
            throw ValidationError("token lengths must satisfy 1 <= --min-token-length <= --max-token-length <= 100")
        }
        if stopReadingAfter.map({ $0 < 0 }) ?? false || resumeReadingAfterMs.map({ $0 < 0 }) ?? false {
            throw ValidationError("--stop-reading-after and --resume-reading-after-ms must not be negative")
        }
        if resumeReadingAfterMs != nil, stopReadingAfter == nil {
            throw ValidationError("--resume-reading-after-ms needs --stop-reading-after")
        }
    }

    func apply(to configuration: inout MockGatewayConfiguration) throws {
        if let config {
            let file = try FaultPlanFile.load(path: config)
            try file.apply(to: &configuration.faults)
            try file.apply(to: &configuration.feedback)
        }
        var flags = FaultPlanFile()
        flags.invalidTokens = rejectTokens
        flags.invalidTokensFile = rejectTokensFile
        flags.processingErrorRate = processingErrorRate
        flags.seed = seed
        flags.shutdownAfter = shutdownAfter
        flags.abruptCloseAfter = abruptCloseAfter
        flags.shutdownEvery = shutdownEvery
        flags.abruptCloseEvery = abruptCloseEvery
        flags.readLatencyMilliseconds = readLatencyMs
        flags.connectionLimit = connectionLimit
        flags.probeIdentifierZero = probeIdentifierZero ? true : nil
        flags.feedbackFile = feedbackFile
        flags.truncateFeedback = truncateFeedback ? true : nil
        flags.clearFeedbackOnceRead = clearFeedbackOnceRead ? true : nil
        flags.keepFeedbackOpen = keepFeedbackOpen ? true : nil
        try flags.apply(to: &configuration.faults)
        try flags.apply(to: &configuration.feedback)
        if let stopReadingAfter { configuration.faults.stopReadingAfter = stopReadingAfter }
        if let resumeReadingAfterMs { configuration.faults.resumeReadingAfter = .milliseconds(Int64(resumeReadingAfterMs)) }
        configuration.rules = FrameRules(
            tokenLengths: minTokenLength...maxTokenLength,
            legacyPayloadLimit: legacyPayloadLimit,
            framePayloadLimit: framePayloadLimit
        )
    }
}
