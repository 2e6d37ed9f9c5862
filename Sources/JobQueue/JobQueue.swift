import Foundation
import Logging
import PostgresNIO

/// The worker's side of the queue: claim jobs, report their outcomes, keep and hand back leases,
/// and the housekeeping any worker may run (rescue, sweep, heartbeat).
///
/// Knows nothing of APNs: codes and reasons are stored as given. All SQL is in ``Queries``.
/// The `PostgresClient` must be running (`client.run()`) for any call to proceed.
public struct JobQueue: Sendable {
    /// Tuning of claims and retries.
    public struct Configuration: Sendable {
        /// How long a claim holds a job before a rescuer may hand it to someone else.
        public var leaseDuration: Duration = .seconds(60)
        /// Back-off for tokens handed back with `.retry`.
        public var retryPolicy = RetryPolicy()
        /// Most jobs in one completion statement; a larger batch is split inside one transaction.
        public var jobsPerStatement = 500

        public init() {}
    }

    public let client: PostgresClient
    public let worker: WorkerID
    public let configuration: Configuration
    public let logger: Logger

    public init(client: PostgresClient, worker: WorkerID, configuration: Configuration = .init(), logger: Logger) {
        self.client = client
        self.worker = worker
        self.configuration = configuration
        self.logger = logger
    }

    /// Claims up to `limit` due jobs, oldest first within a priority; empty when nothing is due.
    /// Jobs of `excludingApps` are left for other workers.
    public func claim(limit: Int, excludingApps: Set<AppID> = []) async throws -> [ClaimedJob] {
        precondition(limit > 0, "claim limit must be positive")
        let query = Queries.claim(worker: worker, limit: limit, leaseSeconds: configuration.leaseDuration.seconds,
                                  excludingApps: excludingApps.map(\.rawValue).sorted())
        let rows = try await client.query(query, logger: logger)
        var jobs: [ClaimedJob] = []
        for try await (id, campaign, app, attempt, maxAttempts, expiresAt, leaseUntil, tokenIDs, tokens, disabled)
            in rows.decode((Int64, Int64, Int32, Int16, Int16, Date?, Date, [Int64], [ByteBuffer], [Int64]).self) {
            jobs.append(Self.makeJob(
                id: id, campaign: campaign, app: app, attempt: attempt, maxAttempts: maxAttempts,
                expiresAt: expiresAt, leaseUntil: leaseUntil, tokenIDs: tokenIDs, tokens: tokens, disabled: disabled))
        }
        return jobs
    }

    static func makeJob(id: Int64, campaign: Int64, app: Int32, attempt: Int16, maxAttempts: Int16,
                        expiresAt: Date?, leaseUntil: Date, tokenIDs: [Int64], tokens: [ByteBuffer],
                        disabled: [Int64]) -> ClaimedJob {
        let disabledSet = Set(disabled)
        var recipients: [Recipient] = []
        recipients.reserveCapacity(tokenIDs.count - disabled.count)
        for (tokenID, token) in zip(tokenIDs, tokens) where !disabledSet.contains(tokenID) {
            recipients.append(Recipient(tokenID: TokenID(tokenID), token: Array(token.readableBytesView)))
        }
        return ClaimedJob(
            id: JobID(id), campaignID: CampaignID(campaign), appID: AppID(app),
            attempt: Int(attempt), maxAttempts: Int(maxAttempts), expiresAt: expiresAt, leaseUntil: leaseUntil,
            recipients: recipients, skipped: disabled.sorted().map { TokenID($0) })
    }

    /// Records the outcomes of finished jobs and hands back their retry/unsent tokens, all in one
    /// transaction. Jobs this worker no longer holds (its lease lapsed and was rescued) are left
    /// alone and listed in ``CompletionResult/stale``. A job reported twice in one call counts once
    /// (the first report wins), so no token is recorded twice.
    @discardableResult
    public func complete(_ reports: [JobReport]) async throws -> CompletionResult {
        var seen = Set<JobID>()
        let reports = reports.filter { seen.insert($0.job.id).inserted }
        guard !reports.isEmpty else { return CompletionResult() }
        let policy = configuration.retryPolicy
        let slices = stride(from: 0, to: reports.count, by: configuration.jobsPerStatement).map {
            CompletionBatch(reports: Array(reports[$0..<min($0 + configuration.jobsPerStatement, reports.count)]),
                            delay: { policy.delaySeconds(afterAttempt: $0) })
        }
        let worker = self.worker
        let logger = self.logger
        var result: CompletionResult
        if slices.count == 1 {
            result = try await Self.run(Queries.complete(worker: worker, batch: slices[0]), on: client, logger: logger)
        } else {
            result = try await client.withTransaction(logger: logger) { connection in
                var total = CompletionResult()
                for batch in slices {
                    let rows = try await connection.query(Queries.complete(worker: worker, batch: batch), logger: logger)
                    total.merge(try await CompletionResult(rows: rows))
                }
                return total
            }
        }
        let held = Set(result.finished).union(result.requeued)
        result.stale = reports.map(\.job.id).filter { !held.contains($0) }
        if !result.stale.isEmpty {
            logger.warning("completion ignored for jobs this worker no longer holds",
                           metadata: ["jobs": "\(result.stale.map(\.rawValue))"])
        }
        return result
    }

    private static func run(_ query: PostgresQuery, on client: PostgresClient, logger: Logger) async throws -> CompletionResult {
        try await CompletionResult(rows: client.query(query, logger: logger))
    }

    /// Extends the lease of every job this worker holds; returns how many.
    @discardableResult
    public func extendLeases() async throws -> Int {
        try await countRows(Queries.extendLeases(worker: worker, leaseSeconds: configuration.leaseDuration.seconds))
    }

    /// Extends the leases of `jobs` — the ones this worker knows it holds — and of no other job
    /// leased under its id; returns how many.
    @discardableResult
    public func extendLeases(of jobs: [JobID]) async throws -> Int {
        guard !jobs.isEmpty else { return 0 }
        return try await countRows(Queries.extendLeases(
            worker: worker, leaseSeconds: configuration.leaseDuration.seconds, jobs: jobs.map(\.rawValue)))
    }

    /// Hands back, unsent, every job this worker holds (graceful shutdown); returns how many.
    @discardableResult
    public func releaseAll() async throws -> Int {
        try await countRows(Queries.releaseAll(worker: worker))
    }

    /// Hands back the given jobs unsent, without counting the attempt; returns how many it held.
    @discardableResult
    public func release(_ jobs: [JobID]) async throws -> Int {
        guard !jobs.isEmpty else { return 0 }
        return try await countRows(Queries.release(worker: worker, jobs: jobs.map(\.rawValue)))
    }

    /// Makes jobs whose lease lapsed claimable again (or fails them on their last attempt).
    @discardableResult
    public func rescueLapsedLeases(limit: Int = 1000) async throws -> RescueResult {
        try await rescue(Queries.rescue(limit: limit))
    }

    /// Rescues, like ``rescueLapsedLeases(limit:)``, every job still leased under this worker's id,
    /// lapsed or not: a worker starting under an id that holds leases is a new run of a
    /// worker that died (a fixed worker id, or `<hostname>:<pid>` in a container restarted in
    /// place), and its housekeeping would otherwise keep those leases alive while nobody sends the
    /// jobs. The attempt is kept: the dead run may have sent them. Call once at start, before
    /// claiming; two live workers must never share an id.
    @discardableResult
    public func rescueEarlierRun() async throws -> RescueResult {
        var total = RescueResult(rescuedJobs: 0, failedJobs: 0, failedTokens: 0)
        let worker = self.worker
        let logger = self.logger
        while true {
            let round = try await client.withTransaction(logger: logger) { connection in
                _ = try await connection.query(Queries.lockJobs(heldBy: worker, limit: 1000), logger: logger).collect()
                return try await Self.rescueResult(connection.query(Queries.rescue(limit: 1000, heldBy: worker), logger: logger))
            }
            guard round.rescuedJobs + round.failedJobs > 0 else { return total }
            total.rescuedJobs += round.rescuedJobs
            total.failedJobs += round.failedJobs
            total.failedTokens += round.failedTokens
        }
    }

    private func rescue(_ query: PostgresQuery) async throws -> RescueResult {
        try await Self.rescueResult(client.query(query, logger: logger))
    }

    private static func rescueResult(_ rows: PostgresRowSequence) async throws -> RescueResult {
        for try await (rescued, failed, tokens) in rows.decode((Int64, Int64, Int64).self) {
            return RescueResult(rescuedJobs: Int(rescued), failedJobs: Int(failed), failedTokens: Int(tokens))
        }
        return RescueResult(rescuedJobs: 0, failedJobs: 0, failedTokens: 0)
    }

    /// Ends waiting jobs of expired or cancelled campaigns as `expired`/`cancelled` outcomes.
    @discardableResult
    public func sweep(limit: Int = 1000) async throws -> SweepResult {
        let rows = try await client.query(Queries.sweep(limit: limit), logger: logger)
        for try await (jobs, tokens) in rows.decode((Int64, Int64).self) {
            return SweepResult(jobs: Int(jobs), tokens: Int(tokens))
        }
        return SweepResult(jobs: 0, tokens: 0)
    }

    /// Records that this worker is alive.
    public func heartbeat(host: String, pid: Int32, version: String) async throws {
        try await client.execute(Queries.heartbeat(worker: worker, host: host, pid: pid, version: version), logger: logger)
    }

    /// Marks this worker as stopped.
    public func markStopped() async throws {
        try await client.execute(Queries.workerStopped(worker: worker), logger: logger)
    }

    /// Records (or clears, with `nil`) why an app's credentials failed, for operators to see.
    public func recordCredentialError(app: AppID, message: String?) async throws {
        try await client.execute(Queries.recordCredentialError(app: app, message: message), logger: logger)
    }

    /// Records that a token became invalid at `invalidAt` (e.g. a feedback service report): it is
    /// disabled unless it was registered again after that time. Returns what was done:
    /// `disabled`, `already disabled`, `kept (registered again after it became invalid)` or
    /// `unknown token`.
    public func recordTokenInvalid(app: AppID, token: [UInt8], invalidAt: Date) async throws -> String {
        let rows = try await client.query(Queries.recordTokenInvalid(app: app, token: token, invalidAt: invalidAt),
                                          logger: logger)
        for try await action in rows.decode(String.self) {
            return action
        }
        return "unknown token"
    }

    /// The sending parameters of a campaign, or `nil` when there is no such campaign.
    public func campaign(_ id: CampaignID) async throws -> CampaignRecord? {
        let rows = try await client.query(Queries.campaign(id: id), logger: logger)
        for try await (campaign, app, payload, priority, pushType, collapseID, expiresAt, state)
            in rows.decode((Int64, Int32, String, Int16, String, String?, Date?, String).self) {
            return CampaignRecord(
                id: CampaignID(campaign), appID: AppID(app), payload: Array(payload.utf8), apnsPriority: Int(priority),
                pushType: pushType, collapseID: collapseID, expiresAt: expiresAt, isCancelled: state == "cancelled")
        }
        return nil
    }

    /// Whether any job could still be sent (waiting or running, not cancelled or expired), apart
    /// from jobs of `excludingApps`. A worker run with `--exit-when-idle` stops when this is false.
    public func hasPendingWork(excludingApps: Set<AppID> = []) async throws -> Bool {
        let rows = try await client.query(
            Queries.hasPendingWork(excludingApps: excludingApps.map(\.rawValue).sorted()), logger: logger)
        for try await pending in rows.decode(Bool.self) {
            return pending
        }
        return false
    }

    /// Every app, in id order.
    public func apps() async throws -> [AppRecord] {
        try await loadApps(Queries.apps())
    }

    /// The app with this id, or `nil` when there is none.
    public func app(_ id: AppID) async throws -> AppRecord? {
        try await loadApps(Queries.apps(id: id)).first
    }

    /// The app with this name, or `nil` when there is none.
    public func app(named name: String) async throws -> AppRecord? {
        try await loadApps(Queries.apps(name: name)).first
    }

    private func loadApps(_ query: PostgresQuery) async throws -> [AppRecord] {
        var apps: [AppRecord] = []
        let rows = try await client.query(query, logger: logger)
        for try await (id, name, topic, environment, transport, gatewayHost, gatewayPort, feedbackHost, feedbackPort,
                       auth, certificatePath, privateKeyPath, passphraseEnv, passphraseFile, caFile, connections,
                       keyID, teamID)
            in rows.decode((Int32, String, String, String, String, String, Int32, String?, Int32?,
                            String, String?, String?, String?, String?, String?, Int32, String?, String?).self) {
            apps.append(AppRecord(
                id: AppID(id), name: name, topic: topic, environment: environment, transport: transport,
                gatewayHost: gatewayHost, gatewayPort: Int(gatewayPort), feedbackHost: feedbackHost,
                feedbackPort: feedbackPort.map(Int.init), auth: auth, certificatePath: certificatePath,
                privateKeyPath: privateKeyPath, passphraseEnv: passphraseEnv, passphraseFile: passphraseFile,
                caFile: caFile, connectionsPerWorker: Int(connections), keyID: keyID, teamID: teamID))
        }
        return apps
    }

    private func countRows(_ query: PostgresQuery) async throws -> Int {
        var count = 0
        for try await _ in try await client.query(query, logger: logger) {
            count += 1
        }
        return count
    }
}
