import APNSBinary
import Foundation
import JobQueue
import Logging
import NIOConcurrencyHelpers
import NIOCore
import PushCore

/// Sends the claimed jobs of one app through its gateway pool (binary or HTTP/2, behind
/// ``NotificationTransport``) and turns the pool's outcomes into job reports for the ``OutcomeWriter``.
///
/// The bookkeeping is ``InFlightJobs`` (pure) behind a lock; this type only moves data between
/// the queue side and the pool. ``runOutcomes()`` must run (one task) for jobs to finish.
final class AppSender: Sendable {
    /// What the sender reports to the worker.
    struct Events: Sendable {
        /// Jobs whose reports the writer refused (it was stopping and could not write them): they
        /// are no longer held, their leases lapse. Recorded jobs are counted by the writer.
        var jobsDropped: @Sendable ([ClaimedJob]) -> Void
        /// The gateway refused the app's client certificate, or the gateway's certificate did not
        /// verify: the app must stop until its credentials are fixed.
        var appFailed: @Sendable (GatewayFailure) -> Void
        /// The pool could not reach the gateway and handed notifications back: the app should
        /// pause while the pool reconnects.
        var gatewayUnreachable: @Sendable (GatewayFailure) -> Void = { _ in }
        /// The gateway accepted or rejected notifications: it is reachable.
        var gatewayAnswered: @Sendable () -> Void = {}
    }

    let app: AppRecord
    private let transport: any NotificationTransport
    private let writer: OutcomeWriter
    private let campaigns: CampaignCache
    private let instruments: WorkerInstruments
    private let events: Events
    private let logger: Logger
    private let jobs = NIOLockedValueBox(InFlightJobs())

    init(app: AppRecord, transport: any NotificationTransport, writer: OutcomeWriter, campaigns: CampaignCache,
         instruments: WorkerInstruments, events: Events, logger: Logger) {
        self.app = app
        self.transport = transport
        self.writer = writer
        self.campaigns = campaigns
        self.instruments = instruments
        self.events = events
        self.logger = logger
    }

    func start() {
        transport.start()
    }

    /// The pool's counters now.
    func poolStatistics() async -> TransportStatistics {
        await transport.statistics()
    }

    /// Tokens handed to the pool and not yet settled.
    var outstandingCount: Int { jobs.withLockedValue { $0.outstandingCount } }

    /// Sends one claimed job: records what cannot be sent (expired campaign, unusable payload or
    /// token) and submits the rest. Suspends while the pool is saturated. The campaign lookup runs
    /// under the claim loop's `deadline`.
    func send(_ job: ClaimedJob, within deadline: DatabaseCallDeadline) async {
        var report = JobReport(job: job)
        if let expiresAt = job.expiresAt, expiresAt <= Date() {
            report.recordRemaining(.expired)
            await finish([report])
            return
        }
        let content: TransportContent
        switch await campaigns.content(of: job.campaignID, for: app, within: deadline) {
        case .ready(let loaded):
            content = loaded
        case .unusable(let reason):
            report.recordRemaining(.failed(code: nil, reason: reason))
            await finish([report])
            return
        case .unavailable(let reason):
            logger.warning("handing a job back: its campaign could not be loaded",
                           metadata: ["job": "\(job.id.rawValue)", "error": "\(reason)"])
            report.recordRemaining(.released)
            await finish([report])
            return
        }
        var tokens: [(index: Int, token: DeviceToken)] = []
        tokens.reserveCapacity(job.recipients.count)
        for (index, recipient) in job.recipients.enumerated() {
            do {
                tokens.append((index, try DeviceToken(bytes: recipient.token)))
            } catch {
                report.record(.failed(code: nil, reason: "device token: \(error)"), forRecipientAt: index)
            }
        }
        let (slot, finished) = jobs.withLockedValue { $0.start(report, sending: tokens.map(\.index)) }
        if let finished {
            await finish([finished])
            return
        }
        let tagged = tokens.map { (tag: InFlightJobs.tag(slot: slot, index: $0.index), token: $0.token) }
        do {
            try await transport.submit(tagged, content: content)
            instruments.notificationsSubmitted(tagged.count)
        } catch {
            let withdrawn = jobs.withLockedValue { $0.withdraw(slot: slot) }
            if let failure = error as? GatewayFailure, failure.isFatal {
                events.appFailed(failure)
            }
            if let withdrawn {
                await finish([withdrawn])
            }
        }
    }

    /// Consumes the pool's outcomes until the pool is drained; returns when its sequence ends.
    func runOutcomes() async {
        await transport.runOutcomes { batch in
            let settlement = jobs.withLockedValue { $0.settle(batch) }
            instruments.record(settlement.tally)
            if settlement.tally.unknown > 0 {
                logger.error("outcomes for unknown tags ignored", metadata: ["app": "\(app.name)", "count": "\(settlement.tally.unknown)"])
            }
            if let failure = settlement.appFailure {
                events.appFailed(failure)
            }
            if let failure = settlement.gatewayUnreachable {
                events.gatewayUnreachable(failure)
            } else if settlement.tally.accepted > 0 || !settlement.tally.rejected.isEmpty {
                events.gatewayAnswered()
            }
            if !settlement.finished.isEmpty {
                await finish(settlement.finished)
            }
        }
    }

    /// Sends what the pool holds, proves what is on the wire, and closes the connections; then
    /// logs the pool's totals (`resent_unproven` bounds the notifications the gateway may have
    /// taken twice).
    func drain() async {
        await transport.drain()
        let statistics = await transport.statistics()
        let totals = statistics.pool
        logger.info("gateway pool totals", metadata: [
            "app": "\(app.name)", "transport": "\(transport.name)", "accepted": "\(totals.accepted)",
            "rejected": "\(totals.rejected)", "failed": "\(totals.failed)",
            "connections": "\(totals.connectionsEstablished)", "connection_failures": "\(totals.connectionFailures)",
            "probes_answered": "\(totals.probesAnswered)", "resent_after_rejection": "\(totals.resentAfterRejection)",
            "resent_after_shutdown": "\(totals.resentAfterShutdown)", "resent_unproven": "\(totals.resentUnproven)",
            "goaways": "\(statistics.goAwaysReceived)", "resent_after_token_renewal": "\(statistics.resentAfterTokenRenewal)",
        ])
    }

    /// Releases every token still unsettled (the drain deadline passed) and hands the reports to
    /// the writer. Tokens the gateway took without proof will be sent again by whoever claims them.
    func abandon() async -> Int {
        let reports = jobs.withLockedValue { $0.abandonAll() }
        let unsettled = reports.reduce(0) { $0 + $1.outcomes.lazy.filter { $0 == .released }.count }
        await finish(reports)
        return unsettled
    }

    private func finish(_ reports: [JobReport]) async {
        var dropped: [ClaimedJob] = []
        for report in reports {
            do {
                try await writer.submit(report)
            } catch {
                dropped.append(report.job)
                logger.error("could not record a job's outcomes; its lease will lapse and it will be claimed again",
                             metadata: ["app": "\(app.name)", "job": "\(report.job.id.rawValue)", "error": "\(error)"])
            }
        }
        if !dropped.isEmpty {
            events.jobsDropped(dropped)
        }
    }
}
