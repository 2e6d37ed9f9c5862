import APNSBinary
import Foundation
import JobQueue

/// How a worker claims and sends; `pushworker run` fills it from flags and the environment.
public struct WorkerSettings: Sendable {
    /// Connections per app; `nil` uses each app's `connections_per_worker`.
    public var connectionsPerApp: Int?
    /// Jobs asked for in one claim.
    public var claimBatch = 4
    /// Jobs claimed and not yet recorded, at most. Bounds memory: a job is up to ~1,000 tokens.
    /// An app holding half of them is served after the other apps (``JobBudget/appShare``).
    public var maxJobs = 32
    /// Notifications one connection carries before the probe proves them and it is replaced.
    /// Smaller windows prove (and so record) sooner; larger ones reconnect less.
    public var windowCapacity = 4_096
    /// On shutdown: how long the senders may take to send what they hold and prove it before the
    /// rest is handed back unproven.
    public var drainTimeout: Duration = .seconds(30)
    /// How long an app whose credentials failed is left alone before they are loaded again.
    public var credentialRetryDelay: Duration = .seconds(60)
    /// While an app's gateway is unreachable its jobs go back to the queue without counting an
    /// attempt and the worker claims none of them for a pause: this long at first, doubling up
    /// to ``maximumGatewayPause`` while the gateway stays away. The app's pool keeps reconnecting
    /// with its own back-off meanwhile.
    public var gatewayPause: Duration = .seconds(1)
    public var maximumGatewayPause: Duration = .seconds(8)
    /// How each app's pool spaces its reconnect attempts while the gateway refuses or drops them.
    /// The cap bounds how long sending waits after a gateway comes back (the pool's own default
    /// cap is 30 s).
    public var gatewayReconnectBackoff = BackoffPolicy(maximum: .seconds(10))
    /// Pause after a failed claim (the database is away), doubling up to ``maximumClaimBackoff``.
    public var claimBackoff: Duration = .milliseconds(250)
    public var maximumClaimBackoff: Duration = .seconds(10)
    /// Longest wait for any database call the claim loop makes (claim, hand-back, the idle check,
    /// app and campaign lookups) and for the final hand-back on shutdown. A call that does not
    /// answer by then is abandoned (a claim answering late hands its jobs back) and the loop backs
    /// off and goes on: a connection lost mid-call can otherwise leave the loop waiting forever.
    public var claimLoopQueryTimeout: Duration = .seconds(30)
    /// How often pool counters become metrics and a progress line per app.
    public var statisticsInterval: Duration = .seconds(10)
    /// Return once no job is left that could be sent (for scripts and tests).
    public var exitWhenIdle = false
    /// Where app passphrases named by `passphrase_env` are looked up.
    public var environment: [String: String] = ProcessInfo.processInfo.environment

    public init() {}

    /// How this worker's ``OutcomeWriter`` batches: a job counts as held until it is written, so
    /// the writer flushes whenever a quarter of ``maxJobs`` is waiting (or every 100 ms) rather
    /// than letting finished jobs occupy the budget.
    public var outcomeWriterConfiguration: OutcomeWriter.Configuration {
        var configuration = OutcomeWriter.Configuration()
        configuration.flushThreshold = max(1, maxJobs / 4)
        configuration.highWaterMark = max(configuration.flushThreshold, maxJobs)
        return configuration
    }
}
