import Foundation
import JobQueue
import NIOCore
import NIOPosix
import Prometheus
import PushWorker
import Testing
import TestSupport

/// The feedback job against a real database and the mock feedback service over mutual TLS.
@Suite(.timeLimit(.minutes(3))) struct FeedbackJobTests {
    typealias Token = FeedbackFixture.Token

    static func tally(read: Int, disabled: Int = 0, kept: Int = 0, unknown: Int = 0, repeated: Int = 0) -> FeedbackTally {
        var tally = FeedbackTally()
        tally.read = read
        tally.disabled = disabled
        tally.kept = kept
        tally.unknown = unknown
        tally.repeated = repeated
        return tally
    }

    @Test("disables the token not registered again, keeps the re-registered one, reports the unknown one; a second run changes nothing")
    func disablesExactlyTheRightTokens() async throws {
        try await FeedbackFixture.with { fixture in
            try await fixture.makeApp("shop")
            let registry = PrometheusCollectorRegistry()
            let job = fixture.job(metrics: WorkerMetrics.makeFactory(registry: registry))

            let first = try await job.runOnce()
            #expect(first == [FeedbackAppOutcome(app: "shop", result: .success(Self.tally(read: 3, disabled: 1, kept: 1, unknown: 1)))])
            let expected = [FeedbackFixture.hex(Token.kept): "active", FeedbackFixture.hex(Token.disabled): "disabled"]
            #expect(try await fixture.statuses(app: "shop") == expected)
            #expect(try await fixture.scalar("SELECT count(*) FROM push.feedback_event", as: Int64.self) == 3)
            let reason = try await fixture.scalar(
                "SELECT disabled_reason FROM push.device_token WHERE status = 'disabled'", as: String.self)
            #expect(reason == "reported invalid by the feedback service")
            let invalidAt = try await fixture.scalar(
                "SELECT min(extract(epoch FROM invalid_at))::bigint FROM push.feedback_event", as: Int64.self)
            #expect(invalidAt == Int64(FeedbackFixture.reportedAt))

            let second = try await job.runOnce(app: "shop")
            #expect(second == [FeedbackAppOutcome(app: "shop", result: .success(Self.tally(read: 3, repeated: 3)))])
            #expect(try await fixture.statuses(app: "shop") == expected)
            #expect(try await fixture.scalar("SELECT count(*) FROM push.feedback_event", as: Int64.self) == 3)

            let metrics = registry.emitToString()
            #expect(metrics.contains(#"pushworker_feedback_tuples_total{app="shop",action="disabled"} 1"#))
            #expect(metrics.contains(#"pushworker_feedback_tuples_total{app="shop",action="repeated"} 3"#))
        }
    }

    @Test("an app with a wrong passphrase or an unreachable service fails alone, named, and the other app is read")
    func brokenAppsFailAlone() async throws {
        try await FeedbackFixture.with { fixture in
            try await fixture.makeApp("badpass", passphraseVariable: "BAD_FEEDBACK_PASS")
            try await fixture.makeApp("good")
            try await fixture.makeApp("nowhere", feedbackPort: try await Self.closedPort())
            let job = fixture.job(environment: [
                FeedbackFixture.passphraseVariable: fixture.pki.passphrase, "BAD_FEEDBACK_PASS": "not the passphrase",
            ])
            let outcomes = try await job.runOnce()
            #expect(outcomes.map(\.app) == ["badpass", "good", "nowhere"])

            guard case .failure(let credentials) = outcomes[0].result else {
                Issue.record("badpass should fail: \(outcomes[0])")
                return
            }
            #expect(credentials.kind == .credentials)
            #expect(credentials.message.contains("badpass") && credentials.message.contains("passphrase"), "\(credentials)")
            #expect(!credentials.message.contains("not the passphrase"))
            let recorded = try await fixture.scalar(
                "SELECT credential_error FROM push.app WHERE name = 'badpass'", as: String.self)
            #expect(recorded == credentials.message)
            #expect(outcomes[0].line.hasPrefix("feedback app=badpass failed=credentials error=\"app badpass: "))

            #expect(outcomes[1].result == .success(Self.tally(read: 3, disabled: 1, kept: 1, unknown: 1)))
            #expect(outcomes[1].line == "feedback app=good read=3 disabled=1 kept=1 unknown=1 already_disabled=0 repeated=0")

            guard case .failure(let unreachable) = outcomes[2].result else {
                Issue.record("nowhere should fail: \(outcomes[2])")
                return
            }
            #expect(unreachable.kind == .unreachable)
            #expect(unreachable.message.hasPrefix("app nowhere: feedback service 127.0.0.1:"))
            #expect(try await fixture.scalar(
                "SELECT coalesce(credential_error, '') FROM push.app WHERE name = 'nowhere'", as: String.self) == "")
            // Only the good app's tokens changed.
            #expect(try await fixture.scalar(
                "SELECT count(*) FROM push.device_token WHERE status = 'disabled'", as: Int64.self) == 1)
        }
    }

    @Test("a client certificate the feedback service refuses (another CA) is a credential error, recorded on the app")
    func refusedCertificateIsACredentialError() async throws {
        let foreign = try TestPKI()
        defer { foreign.remove() }
        try await FeedbackFixture.with { fixture in
            try await fixture.makeApp("foreign", certificate: foreign.files.clientPKCS12)
            let outcomes = try await fixture.job().runOnce()
            guard case .failure(let failure) = outcomes.first?.result else {
                Issue.record("foreign should fail: \(outcomes)")
                return
            }
            #expect(failure.kind == .credentials)
            #expect(failure.message.hasPrefix("app foreign: the feedback service refused the TLS handshake"), "\(failure)")
            let recorded = try await fixture.scalar(
                "SELECT credential_error FROM push.app WHERE name = 'foreign'", as: String.self)
            #expect(recorded == failure.message)
            #expect(try await fixture.statuses(app: "foreign").values.allSatisfy { $0 == "active" })
        }
    }

    @Test func anUnknownAppNameIsAnError() async throws {
        try await FeedbackFixture.with { fixture in
            _ = await #expect(throws: UnknownFeedbackApp.self) {
                _ = try await fixture.job().runOnce(app: "absent")
            }
        }
    }

    /// A port nothing listens on: bound, read, closed.
    static func closedPort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(channel.localAddress?.port)
        try await channel.close()
        return port
    }
}
