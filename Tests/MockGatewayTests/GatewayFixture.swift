import Foundation
import MockGateway
import NIOSSL
import TestSupport

/// A running mock gateway with its PKI and ledger in a temporary folder.
struct GatewayFixture {
    /// One PKI for the whole suite: RSA key generation is the slowest step of a debug test run.
    static let sharedPKI = Result { try TestPKI() }

    let pki: TestPKI
    let gateway: MockGateway
    let ledgerPath: String
    let directory: String

    static func start(
        faults: FaultPlan = FaultPlan(),
        feedback: FeedbackPlan = FeedbackPlan(),
        rules: FrameRules = FrameRules(),
        http2: HTTP2GatewayConfiguration? = nil,
        pki: TestPKI? = nil
    ) async throws -> GatewayFixture {
        let pki = try pki ?? sharedPKI.get()
        let directory = try TestPKI.makeTemporaryDirectory(prefix: "mock-gateway")
        let ledgerPath = directory + "/ledger.tsv"
        let configuration = MockGatewayConfiguration(
            tls: try pki.serverTLS(),
            rules: rules,
            faults: faults,
            feedback: feedback,
            http2: http2,
            ledgerPath: ledgerPath
        )
        let gateway = try await MockGateway.start(configuration)
        return GatewayFixture(pki: pki, gateway: gateway, ledgerPath: ledgerPath, directory: directory)
    }

    /// Sends the chunks with this PKI's client certificate and returns what came back.
    func exchange(_ chunks: [UInt8]..., context: NIOSSLContext? = nil) async throws -> RawTLSClient.Exchange {
        try await RawTLSClient.exchange(port: gateway.gatewayPort, context: context ?? pki.clientContext(), chunks: chunks)
    }

    /// Sends pre-split chunks, each flushed (and so encrypted) on its own.
    func exchange(chunks: [[UInt8]]) async throws -> RawTLSClient.Exchange {
        try await RawTLSClient.exchange(port: gateway.gatewayPort, context: pki.clientContext(), chunks: chunks)
    }

    /// The ledger's lines after a flush, split into fields.
    func ledgerLines() throws -> [[Substring]] {
        try gateway.flushLedger()
        let text = try String(contentsOfFile: ledgerPath, encoding: .utf8)
        return text.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
    }

    /// Identifiers in the ledger, in order.
    func ledgerIdentifiers() throws -> [UInt32] {
        try ledgerLines().map { UInt32($0[2])! }
    }

    /// Waits (bounded) until the gateway has seen every connection close, so per-connection
    /// counters (discarded after an error) are final.
    func waitUntilConnectionsClosed() async throws {
        try await waitUntil { $0.connectionsCurrent == 0 }
    }

    /// Polls the gateway's counters until `condition` holds; fails after 30 seconds (generous:
    /// parallel debug tests on two cores can starve a connection for seconds).
    func waitUntil(_ condition: (GatewayStatistics) -> Bool) async throws {
        let gateway = self.gateway
        guard try await eventually(within: .seconds(30), polling: .milliseconds(5), { condition(gateway.statistics()) }) else {
            throw ConditionTimedOut(statistics: gateway.statistics())
        }
    }

    func stop() async throws {
        try await gateway.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

struct ConditionTimedOut: Error, CustomStringConvertible {
    var statistics: GatewayStatistics
    var description: String { "condition not reached within 30 s; statistics: \(statistics)" }
}
