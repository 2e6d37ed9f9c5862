import Foundation
import JobQueue
import MockGateway
import NIOCore
import PushWorker
import ServiceLifecycle
import Testing
import TestSupport

/// The worker against a real PostgreSQL and the mock gateway over mutual TLS: the database's
/// ledger must match the gateway's.
@Suite("Worker end to end", .serialized)
struct WorkerEndToEndTests {
    @Test("invalid tokens, gateway shutdowns and abrupt closes: every token recorded once, the ledgers agree")
    func faultsLedgersAgree() async throws {
        let tokens = (0..<3_000).map { WorkerHarness.token($0) }
        let invalid = stride(from: 50, to: tokens.count, by: 100).map { tokens[$0] }
        let faults = FaultPlan(
            invalidTokens: Set(invalid.map { ByteBuffer(bytes: $0) }), shutdownEvery: 700, abruptCloseEvery: 1_100)
        try await WorkerHarness.with(faults: faults) { harness in
            try await harness.makeApp("shop")
            let campaign = try await harness.enqueueCampaign(app: "shop", tokens: tokens)
            try await harness.runUntilIdle()

            let outcomes = try await harness.outcomes(campaign: campaign)
            let verdict = try harness.verdict(campaigns: [campaign], invalid: invalid)
            #expect(verdict.exitStatus == 0, "\(verdict)")
            #expect(verdict.unaccounted == 0 && verdict.lost == 0, "\(verdict)")
            #expect(verdict.detail["delivered_unrecorded"] == 0, "\(verdict)")
            #expect(verdict.rejected == invalid.count, "\(verdict)")
            #expect(verdict.accepted == tokens.count - invalid.count, "\(verdict)")
            let statistics = harness.gateway.statistics()
            #expect(statistics.abruptCloses > 0 && statistics.shutdownsSent > 0, "the faults must have fired")
            // An abrupt close ends a connection without saying what it took, so what was on it is
            // resent: at most one window per abrupt close may arrive twice.
            #expect(verdict.duplicates <= statistics.abruptCloses * harness.settings().windowCapacity, "\(verdict)")
            for token in invalid {
                #expect(outcomes[WorkerHarness.hex(token)]?.first?.code == 8)
            }
            let disabled = try await harness.scalar(
                "SELECT count(*) FROM push.device_token WHERE status = 'disabled' AND disabled_reason LIKE '%status 8%'",
                as: Int64.self)
            #expect(disabled == Int64(invalid.count))
            #expect(try await harness.scalar("SELECT count(*) FROM push.job", as: Int64.self) == 0)
        }
    }

    @Test("an app whose .p12 passphrase is wrong fails alone: its jobs wait, its error is recorded, the other app is sent")
    func wrongPassphraseFailsAlone() async throws {
        try await WorkerHarness.with { harness in
            try await harness.makeApp("good")
            try await harness.client.execute(
                """
                INSERT INTO push.app (name, topic, gateway_host, gateway_port, certificate_path, passphrase_env, ca_file)
                VALUES ('bad', 'com.example.bad', '127.0.0.1', \(Int32(harness.gateway.gatewayPort)),
                        \(harness.pki.files.clientPKCS12), 'BAD_APP_PASS', \(harness.pki.files.caCertificate))
                """, logger: harness.logger)
            let goodTokens = (0..<600).map { WorkerHarness.token($0, salt: 1) }
            let badTokens = (0..<400).map { WorkerHarness.token($0, salt: 2) }
            let good = try await harness.enqueueCampaign(app: "good", tokens: goodTokens)
            let bad = try await harness.enqueueCampaign(app: "bad", tokens: badTokens)
            var settings = harness.settings()
            settings.environment["BAD_APP_PASS"] = "wrong passphrase"
            try await harness.runUntilIdle(settings: settings)

            let goodOutcomes = try await harness.outcomes(campaign: good)
            #expect(goodOutcomes.count == goodTokens.count)
            #expect(goodOutcomes.values.allSatisfy { $0.count == 1 && $0[0].kind == "accepted" })
            #expect(try await harness.outcomes(campaign: bad).isEmpty)
            let waiting = try await harness.scalar(
                """
                SELECT coalesce(sum(cardinality(token_ids)), 0)::bigint FROM push.job
                WHERE campaign_id = \(bad) AND state = 'available' AND attempt = 0
                """, as: Int64.self)
            #expect(waiting == Int64(badTokens.count))
            let error = try await harness.scalar("SELECT credential_error FROM push.app WHERE name = 'bad'", as: String.self)
            #expect(error.contains("client.p12"), "\(error)")
            #expect(error.contains("passphrase"), "\(error)")
            #expect(!error.contains("wrong passphrase"), "the passphrase itself must never be recorded")
            let goodError = try await harness.scalar(
                "SELECT coalesce(credential_error, '') FROM push.app WHERE name = 'good'", as: String.self)
            #expect(goodError.isEmpty)
            #expect(harness.gateway.statistics().handshakesFailed == 0, "the bad app must never have connected")
        }
    }

    @Test("a gateway that refuses the app's certificate stops that app alone: jobs handed back, error recorded")
    func certificateRefusedByGateway() async throws {
        let stranger = try TestPKI()
        defer { stranger.remove() }
        try await WorkerHarness.with { harness in
            try await harness.makeApp("good")
            try await harness.client.execute(
                """
                INSERT INTO push.app (name, topic, gateway_host, gateway_port, certificate_path, passphrase_env, ca_file)
                VALUES ('stranger', 'com.example.stranger', '127.0.0.1', \(Int32(harness.gateway.gatewayPort)),
                        \(stranger.files.clientPKCS12), 'STRANGER_PASS', \(harness.pki.files.caCertificate))
                """, logger: harness.logger)
            let good = try await harness.enqueueCampaign(app: "good", tokens: (0..<500).map { WorkerHarness.token($0, salt: 5) })
            let refused = try await harness.enqueueCampaign(
                app: "stranger", tokens: (0..<300).map { WorkerHarness.token($0, salt: 6) })
            var settings = harness.settings()
            settings.environment["STRANGER_PASS"] = stranger.passphrase
            try await harness.runUntilIdle(settings: settings)

            let goodOutcomes = try await harness.outcomes(campaign: good)
            #expect(goodOutcomes.count == 500 && goodOutcomes.values.allSatisfy { $0.map(\.kind) == ["accepted"] })
            #expect(try await harness.outcomes(campaign: refused).isEmpty, "nothing of the refused app may be recorded")
            let waiting = try await harness.scalar(
                """
                SELECT coalesce(sum(cardinality(token_ids)), 0)::bigint FROM push.job
                WHERE campaign_id = \(refused) AND state = 'available' AND attempt = 0
                """, as: Int64.self)
            #expect(waiting == 300, "the refused app's jobs go back unsent, with no attempt counted")
            let error = try await harness.scalar("SELECT credential_error FROM push.app WHERE name = 'stranger'", as: String.self)
            #expect(error.contains("client certificate rejected"), "\(error)")
            #expect(harness.gateway.statistics().handshakesFailed > 0)
        }
    }

    @Test("graceful shutdown mid-campaign hands back what is unsent, records what was proven; a second worker finishes with no duplicate")
    func gracefulShutdownLosesNothing() async throws {
        // A gateway that reads slowly keeps the campaign going long enough to stop it midway.
        let tokens = (0..<10_000).map { WorkerHarness.token($0, salt: 3) }
        try await WorkerHarness.with(faults: FaultPlan(readLatency: .milliseconds(5))) { harness in
            try await harness.makeApp("shop")
            let campaign = try await harness.enqueueCampaign(app: "shop", tokens: tokens)
            let group = harness.workerGroup(id: "first", settings: harness.settings(exitWhenIdle: false))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                let started = try await eventually(within: .seconds(60)) {
                    try await harness.scalar("SELECT count(*) FROM push.outcome", as: Int64.self) > 0
                }
                #expect(started)
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
            let recorded = try await harness.scalar("SELECT count(*) FROM push.outcome", as: Int64.self)
            #expect(recorded > 0)
            #expect(recorded < Int64(tokens.count), "the shutdown should come mid-campaign")
            #expect(try await harness.scalar("SELECT count(*) FROM push.job WHERE state = 'running'", as: Int64.self) == 0)
            let stopped = try await harness.scalar(
                "SELECT stopped_at IS NOT NULL FROM push.worker WHERE id = 'first'", as: Bool.self)
            #expect(stopped)

            try await harness.runUntilIdle(id: "second")
            let verdict = try harness.verdict(campaigns: [campaign])
            #expect(verdict.accepted == tokens.count, "\(verdict)")
            #expect(verdict.unaccounted == 0 && verdict.lost == 0, "\(verdict)")
            #expect(verdict.duplicates == 0, "a drain proves everything it sent; nothing may go out twice: \(verdict)")
        }
    }
}
