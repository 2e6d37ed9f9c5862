import APNSBinary
import MockGateway
import NIOCore
import NIOPosix
import Testing

@Suite(.timeLimit(.minutes(1))) struct FeedbackClientLoopbackTests {
    static let tuples = (1...3).map { index in
        FeedbackTuple(timestamp: 1_700_000_000 + UInt32(index), deviceToken: ByteBuffer(bytes: LoopbackFixture.token(UInt64(index))))
    }

    func fetch(_ plan: FeedbackPlan, idleTimeout: TimeAmount = .seconds(1)) async throws -> FeedbackReport {
        let pki = try LoopbackFixture.pki.get()
        let gateway = try await MockGateway.start(MockGatewayConfiguration(tls: try pki.serverTLS(), feedback: plan))
        let client = FeedbackClient(
            configuration: .init(
                host: "127.0.0.1", port: gateway.feedbackPort!, serverHostname: "localhost", idleTimeout: idleTimeout),
            tlsContext: try LoopbackFixture.clientContext(identity: pki, trust: pki),
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton)
        do {
            let report = try await client.fetch()
            try await gateway.stop()
            return report
        } catch {
            try await gateway.stop()
            throw error
        }
    }

    @Test func readsEveryTupleUntilTheServiceCloses() async throws {
        let report = try await fetch(FeedbackPlan(tuples: Self.tuples))
        #expect(report == FeedbackReport(tuples: Self.tuples))
    }

    @Test func truncatedLastTupleIsReportedBesideTheCompleteOnes() async throws {
        let report = try await fetch(FeedbackPlan(tuples: Self.tuples, truncateLastTuple: true))
        #expect(report.tuples == Array(Self.tuples.dropLast()))
        let truncation = try #require(report.truncation)
        #expect(truncation.code == .truncatedFeedbackTuple)
        #expect(!truncation.bytes.isEmpty && truncation.bytes.count < 38)
    }

    /// A service that never closes: without the idle timeout the fetch would never return (the
    /// suite's time limit fails it).
    @Test func serviceThatNeverClosesEndsByTheIdleTimeout() async throws {
        let report = try await fetch(FeedbackPlan(tuples: Self.tuples, keepOpen: true), idleTimeout: .milliseconds(200))
        #expect(report == FeedbackReport(tuples: Self.tuples))
    }

    @Test func emptyListIsAnEmptyReport() async throws {
        #expect(try await fetch(FeedbackPlan()) == FeedbackReport(tuples: []))
    }
}
