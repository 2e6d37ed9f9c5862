import Foundation
import MockGateway
import NIOCore
import Testing
import TestSupport

@testable import PushWorker

/// The HTTP/2 flags of `pushworker mock-gateway run` and the token key `certs` writes.
@Suite struct MockGatewayHTTP2OptionsTests {
    @Test func certsCommandWritesATokenKeyWithItsIdAndTeam() throws {
        let directory = try TestPKI.makeTemporaryDirectory(prefix: "certs-token-key")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var command = try PushWorkerCommand.parseAsRoot(["mock-gateway", "certs", "--out", directory, "--team-id", "TEAMABCDEF"])
        try command.run()

        let files = GatewayPKIFiles(directory: directory)
        let p8 = try String(contentsOfFile: files.tokenPrivateKey, encoding: .utf8)
        #expect(p8.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        let mode = try FileManager.default.attributesOfItem(atPath: files.tokenPrivateKey)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let keyID = try String(contentsOfFile: files.tokenKeyID, encoding: .utf8).trimmingCharacters(in: .newlines)
        #expect(keyID.count == 10)
        #expect(try String(contentsOfFile: files.teamID, encoding: .utf8) == "TEAMABCDEF\n")
        // The public key file and the .p8 name the same key.
        let fromPublic = try ProviderTokenVerifier.publicKey(pemFile: files.tokenPublicKey)
        let fromPrivate = try ProviderTokenVerifier.publicKey(pemFile: files.tokenPrivateKey)
        #expect(fromPublic.rawRepresentation == fromPrivate.rawRepresentation)
    }

    @Test func theConfigFilesHTTP2FaultsApplyAndFlagsWin() throws {
        let directory = try TestPKI.makeTemporaryDirectory(prefix: "http2-config")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try (String(repeating: "0d", count: 32) + "\n").write(toFile: directory + "/gone.txt", atomically: true, encoding: .utf8)
        let config = directory + "/faults.json"
        try #"""
            {"seed": 3, "http2": {"maxStreams": 20, "singleStreamBeforeToken": false, "streamLimitDropAfter": 9,
              "streamLimitRiseAfter": 2, "streamLimitFollowsRejections": true, "goAwayAfter": 500, "goAwayReason": "Shutdown",
              "reasonRates": [{"reason": "ServiceUnavailable", "rate": 0.5}], "reasonTokensFiles": {"Unregistered": "gone.txt"},
              "latencyMilliseconds": 7}}
            """#.write(toFile: config, atomically: true, encoding: .utf8)
        let parsed = try PushWorkerCommand.parseAsRoot([
            "mock-gateway", "--generate-certs", "/tmp/unused", "--http2-port", "0", "--config", config,
            "--http2-max-streams", "30", "--http2-latency-ms", "1",
        ])
        let run = try #require(parsed as? MockGatewayRunCommand)
        let file = try FaultPlanFile.load(path: config)
        let faults = try #require(try run.http2.configuration(teamID: "T", generated: nil, configFile: file)).faults
        // Flags given win; the rest comes from the file (its token file relative to it).
        #expect(faults.maxConcurrentStreams == 30 && faults.responseLatency == .milliseconds(1))
        #expect(!faults.tokenConnectionsStartWithOneStream && faults.streamLimitFollowsRejections)
        #expect(faults.streamLimitDropAfter == 9 && faults.streamLimitRiseAfter == 2)
        #expect(faults.goAwayAfter == 500 && faults.goAwayReason == .shutdown)
        #expect(faults.reasonRates == [.init(reason: .serviceUnavailable, rate: 0.5)])
        #expect(faults.reasonsByToken == [ByteBuffer(bytes: Array(repeating: 0x0d, count: 32)): .unregistered])
        // Without the file, the plan's defaults.
        let bare = try #require(try run.http2.configuration(teamID: "T", generated: nil)).faults
        #expect(bare.maxConcurrentStreams == 30 && bare.tokenConnectionsStartWithOneStream && bare.goAwayAfter == nil)
    }

    @Test func aConfigFileWithAnUnknownReasonIsRefusedNamingTheKey() throws {
        let directory = try TestPKI.makeTemporaryDirectory(prefix: "http2-config-bad")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config = directory + "/faults.json"
        try #"{"http2": {"reasonRates": [{"reason": "NoSuchReason", "rate": 0.1}]}}"#.write(toFile: config, atomically: true, encoding: .utf8)
        var plan = HTTP2FaultPlan()
        let file = try FaultPlanFile.load(path: config)
        #expect(throws: FaultPlanFile.Problem.self) { try file.http2?.apply(to: &plan) }
        do {
            try file.http2?.apply(to: &plan)
        } catch {
            #expect("\(error)".contains("http2.reasonRates: NoSuchReason"))
        }
    }

    @Test func flagsBecomeTheHTTP2Configuration() throws {
        let directory = try TestPKI.makeTemporaryDirectory(prefix: "http2-flags")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let files = try GatewayFixturePKI.shared.get().files
        let badTokens = directory + "/bad.txt"
        try (String(repeating: "0e", count: 32) + "\n").write(toFile: badTokens, atomically: true, encoding: .utf8)
        let parsed = try PushWorkerCommand.parseAsRoot([
            "mock-gateway", "--generate-certs", "/tmp/unused", "--http2-port", "0", "--http2-auth", "token",
            "--token-key", "KEYID00001=\(files.tokenPublicKey)", "--team-id", "TEAM000001", "--token-topic", "com.example.a",
            "--http2-max-streams", "50", "--http2-no-single-stream-before-token", "--http2-stream-limit-drop-after", "7",
            "--http2-stream-limit-rise-after", "3", "--http2-stream-limit-follows-rejections", "--http2-goaway-after", "100",
            "--http2-goaway-reason", "ServiceUnavailable", "--http2-reason-rate", "Unregistered=0.01",
            "--http2-reason-rate", "TooManyRequests=0.02", "--http2-reason-tokens", "BadDeviceToken=\(badTokens)",
            "--http2-latency-ms", "4",
        ])
        let run = try #require(parsed as? MockGatewayRunCommand)
        let http2 = try #require(try run.http2.configuration(teamID: run.generated.teamId, generated: nil))
        #expect(http2.port == 0)
        #expect(http2.authentication.mode == .token)
        #expect(Set(http2.authentication.tokens.keys.keys) == ["KEYID00001"])
        #expect(http2.authentication.tokens.teamID == "TEAM000001")
        #expect(http2.authentication.allowedTopics == ["com.example.a"])
        let faults = http2.faults
        #expect(faults.maxConcurrentStreams == 50 && !faults.tokenConnectionsStartWithOneStream)
        #expect(faults.streamLimitDropAfter == 7 && faults.streamLimitRiseAfter == 3 && faults.streamLimitFollowsRejections)
        #expect(faults.goAwayAfter == 100 && faults.goAwayReason == .serviceUnavailable)
        #expect(faults.reasonRates == [.init(reason: .unregistered, rate: 0.01), .init(reason: .tooManyRequests, rate: 0.02)])
        #expect(faults.reasonsByToken == [ByteBuffer(bytes: Array(repeating: 0x0e, count: 32)): .badDeviceToken])
        #expect(faults.responseLatency == .milliseconds(4))
    }

    @Test func withoutAPortThereIsNoHTTP2() throws {
        let run = try #require(try PushWorkerCommand.parseAsRoot(["mock-gateway", "--generate-certs", "/tmp/x"]) as? MockGatewayRunCommand)
        #expect(try run.http2.configuration(teamID: "T", generated: nil) == nil)
    }

    @Test(arguments: [
        ["--http2-reason-rate", "Unregistered=2"], ["--http2-reason-rate", "NoSuchReason=0.1"], ["--http2-reason-rate", "Unregistered"],
        ["--http2-goaway-reason", "Bye"], ["--http2-max-streams", "0"], ["--http2-auth", "password"],
    ])
    func badFlagsAreRefused(flags: [String]) {
        #expect(throws: (any Error).self) {
            _ = try PushWorkerCommand.parseAsRoot(["mock-gateway", "--generate-certs", "/tmp/x", "--http2-port", "0"] + flags)
        }
    }

    @Test func aTokenKeyFileThatIsNotAKeyIsNamedInTheError() throws {
        let run = try #require(
            try PushWorkerCommand.parseAsRoot(["mock-gateway", "--generate-certs", "/tmp/x", "--http2-port", "0", "--token-key", "K=/etc/hostname"])
                as? MockGatewayRunCommand)
        #expect(throws: MockGatewayError.self) { _ = try run.http2.configuration(teamID: "T", generated: nil) }
    }
}
