import APNSBinary
import Foundation
import MockGateway
import NIOCore
import Testing
import TestSupport

@testable import PushWorker

@Suite struct MockGatewayCommandTests {
    @Test func certsCommandWritesAnIdentityTheClientLoads() throws {
        let directory = try TestPKI.makeTemporaryDirectory(prefix: "certs-command")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var command = try PushWorkerCommand.parseAsRoot(
            ["mock-gateway", "certs", "--out", directory, "--p12-passphrase", "demo-pass", "--topic", "com.example.demo"])
        try command.run()

        let identity = try ClientIdentity.load(from: .pkcs12(file: directory + "/client.p12", passphrase: Passphrase("demo-pass")))
        #expect(identity.subject.contains("Apple Push Services: com.example.demo"))
        _ = try GatewayServerTLS(
            certificateFile: directory + "/server.pem", keyFile: directory + "/server-key.pem", clientCAFile: directory + "/ca.pem")
    }

    @Test func certsCommandNamesFurtherServerNamesInTheGatewayCertificate() throws {
        let directory = try TestPKI.makeTemporaryDirectory(prefix: "certs-server-name")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var command = try PushWorkerCommand.parseAsRoot(
            ["mock-gateway", "certs", "--out", directory, "--server-name", "mock-gateway", "--server-name", "gw.internal"])
        try command.run()
        for (host, matches) in [("mock-gateway", true), ("gw.internal", true), ("localhost", true), ("other", false)] {
            let (status, output) = try ChildProcess.run(
                OpenSSLCommand.path, ["x509", "-in", directory + "/server.pem", "-noout", "-checkhost", host])
            #expect(status == 0)
            #expect(output.contains("does NOT match") != matches, "\(host): \(output)")
        }
    }

    @Test func runFlagsBecomeTheFaultPlan() throws {
        let token = String(repeating: "0f", count: 32)
        let parsed = try PushWorkerCommand.parseAsRoot([
            "mock-gateway", "--generate-certs", "/tmp/unused", "--reject-token", token, "--processing-error-rate", "0.01",
            "--seed", "5", "--shutdown-after", "10", "--abrupt-close-every", "7000", "--read-latency-ms", "2",
            "--connection-limit", "3", "--probe-identifier-zero", "--truncate-feedback", "--max-token-length", "100",
        ])
        let run = try #require(parsed as? MockGatewayRunCommand)
        let pki = try GatewayFixturePKI.shared.get()
        var configuration = MockGatewayConfiguration(tls: try pki.serverTLS())
        try run.faults.apply(to: &configuration)
        #expect(configuration.faults.invalidTokens == [ByteBuffer(bytes: HexBytes.parse(token)!)])
        #expect(configuration.faults.processingErrorRate == 0.01 && configuration.faults.seed == 5)
        #expect(configuration.faults.shutdownAfter == 10 && configuration.faults.abruptCloseEvery == 7000)
        #expect(configuration.faults.readLatency == .milliseconds(2) && configuration.faults.connectionLimit == 3)
        #expect(configuration.faults.missingTokenNamesIdentifierZero)
        #expect(configuration.feedback.truncateLastTuple)
        #expect(configuration.rules.tokenLengths == 32...100)
    }

    @Test func rateOutsideZeroToOneIsRefused() {
        #expect(throws: (any Error).self) {
            _ = try PushWorkerCommand.parseAsRoot(["mock-gateway", "--generate-certs", "/tmp/x", "--processing-error-rate", "2"])
        }
    }
}

enum GatewayFixturePKI {
    static let shared = Result { try TestPKI() }
}
