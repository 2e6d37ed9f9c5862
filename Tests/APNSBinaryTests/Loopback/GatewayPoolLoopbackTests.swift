@testable import APNSBinary
import Foundation
import MockGateway
import NIOCore
import NIOPosix
import NIOSSL
import Testing
import TestSupport

/// The pool against the mock gateway over real mutual TLS on loopback.
@Suite(.serialized, .timeLimit(.minutes(3))) struct GatewayPoolLoopbackTests {
    /// 100,000 notifications (about 20 s in a debug build on the 2-core machine); override with
    /// `PUSHWORKER_LOAD_NOTIFICATIONS`. Fault spacing scales with it: a shutdown after every 10 %
    /// and an abrupt close after every 7 % of the notifications the gateway accepts, i.e. every
    /// 10,000 and 7,000 at the default size.
    static let loadCount = Int(ProcessInfo.processInfo.environment["PUSHWORKER_LOAD_NOTIFICATIONS"] ?? "") ?? 100_000

    @Test func everyNotificationEndsOnceAndTheLedgerMatchesUnderFaults() async throws {
        let pki = try LoopbackFixture.pki.get()
        _ = try await sendUnderFaults(count: UInt64(Self.loadCount)) { port in
            GatewayPool(
                configuration: Self.loadConfiguration(port: port),
                tlsContext: try LoopbackFixture.clientContext(identity: pki, trust: pki),
                eventLoop: MultiThreadedEventLoopGroup.singleton.next())
        }
    }

    /// A pool made with a group spreads its connections over the group's loops (each loop
    /// completes handshakes), against a gateway on two threads — and the guarantees of the load
    /// test hold unchanged: one outcome each, the ledger equals the accepted set.
    @Test func connectionsSpreadOverTheGroupsLoopsLoseNothing() async throws {
        let pki = try LoopbackFixture.pki.get()
        let clientGroup = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let gatewayGroup = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let sent = await Task {
            try await sendUnderFaults(count: UInt64(Self.loadCount / 5), gatewayGroup: gatewayGroup) { port in
                GatewayPool(
                    configuration: Self.loadConfiguration(port: port),
                    tlsContext: try LoopbackFixture.clientContext(identity: pki, trust: pki), group: clientGroup)
            }
        }.result
        try await clientGroup.shutdownGracefully()
        try await gatewayGroup.shutdownGracefully()
        let handshakes = try sent.get()
        let loops = Set(clientGroup.makeIterator().map { ObjectIdentifier($0) })
        #expect(Set(handshakes.keys) == loops, "handshakes ran on \(handshakes.count) of the group's \(loops.count) loops")
        #expect(handshakes.values.allSatisfy { $0 > 1 })
    }

    static func loadConfiguration(port: Int) -> GatewayPool.Configuration {
        .init(
            host: "127.0.0.1", port: port, serverHostname: "localhost", connectionCount: 4,
            backoff: BackoffPolicy(initial: .milliseconds(5), maximum: .milliseconds(200)))
    }

    /// Sends `count` notifications with 1 % invalid tokens, a shutdown after every 10 % and an
    /// abrupt close after every 7 % of them, through the pool `makePool` builds for the gateway's
    /// port; checks every guarantee and returns the pool's handshakes by event loop.
    func sendUnderFaults(
        count: UInt64, gatewayGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        makePool: (Int) throws -> GatewayPool
    ) async throws -> [ObjectIdentifier: Int] {
        let pki = try LoopbackFixture.pki.get()
        let invalidTags = Set(stride(from: UInt64(50), to: count, by: 100))  // 1 %
        let ledgerPath = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-\(UUID()).tsv").path
        defer { try? FileManager.default.removeItem(atPath: ledgerPath) }
        let faults = FaultPlan(
            invalidTokens: Set(invalidTags.map { ByteBuffer(bytes: LoopbackFixture.token($0)) }),
            shutdownEvery: Int(count) / 10, abruptCloseEvery: Int(count) * 7 / 100)
        let gateway = try await MockGateway.start(
            MockGatewayConfiguration(tls: try pki.serverTLS(), faults: faults, ledgerPath: ledgerPath), group: gatewayGroup)
        let pool = try makePool(gateway.gatewayPort)
        pool.start()

        let results = try await LoopbackFixture.send(LoopbackFixture.notifications(0..<count), pool: pool)
        let statistics = await pool.statistics()
        let handshakes = await pool.handshakesByLoop()
        try await gateway.stop()
        let gatewayStatistics = gateway.statistics()

        // Exactly one outcome per notification.
        let missing = (0..<count).filter { results[$0] == nil }
        let repeated = results.filter { $0.value.count != 1 }
        #expect(missing.isEmpty, "\(missing.count) notifications got no outcome, e.g. \(missing.prefix(5))")
        #expect(repeated.isEmpty, "\(repeated.count) notifications got several outcomes, e.g. \(repeated.prefix(3))")
        let accepted = Set(results.filter { $0.value == [.accepted] }.keys)
        let rejected = Set(results.filter { $0.value == [.rejected(.invalidToken)] }.keys)
        let other = results.filter { $0.value.count == 1 && $0.value != [.accepted] && $0.value != [.rejected(.invalidToken)] }
        #expect(other.isEmpty, "\(other.count) notifications ended otherwise, e.g. \(other.prefix(3))")
        #expect(rejected == invalidTags, "rejected: \(rejected.subtracting(invalidTags).count) valid ones, \(invalidTags.subtracting(rejected).count) invalid ones missing")
        #expect(accepted.count + rejected.count == Int(count))

        // The client's accepted set equals the gateway's ledger.
        let lines = try String(contentsOfFile: ledgerPath, encoding: .utf8).split(separator: "\n")
        let ledgerTags = lines.compactMap { LoopbackFixture.tag(ofTokenHex: $0.split(separator: "\t")[3]) }
        // Resends keep their fields: every accepted copy is a command-2 frame with the original payload.
        let payloadCount = String(LoopbackFixture.content.payload.readableBytes)
        #expect(lines.allSatisfy { line in
            let fields = line.split(separator: "\t")
            return fields[1] == "2" && fields[4] == payloadCount
        })
        let ledger = Set(ledgerTags)
        #expect(ledger == accepted, "ledger and client disagree: \(ledger.subtracting(accepted).count) only in the ledger, \(accepted.subtracting(ledger).count) only in the client")
        let duplicates = ledgerTags.count - ledger.count
        #expect(duplicates == gatewayStatistics.duplicates)
        // A duplicate is only possible for notifications resent with nothing proven (abrupt close).
        #expect(duplicates <= statistics.resentUnproven)

        // Every fault happened and was answered with resends.
        #expect(gatewayStatistics.shutdownsSent > 0 && gatewayStatistics.abruptCloses > 0)
        #expect(statistics.resentAfterRejection > 0 && statistics.resentUnproven > 0)
        #expect(statistics.accepted == accepted.count && statistics.rejected == rejected.count && statistics.failed == 0)
        print("""
            loopback load: notifications=\(count) accepted=\(accepted.count) rejected=\(rejected.count) \
            resent: after rejection=\(statistics.resentAfterRejection) after shutdown=\(statistics.resentAfterShutdown) \
            unproven=\(statistics.resentUnproven); gateway: shutdowns=\(gatewayStatistics.shutdownsSent) \
            abrupt closes=\(gatewayStatistics.abruptCloses) duplicates=\(duplicates) \
            connections=\(statistics.connectionsEstablished) probes answered=\(statistics.probesAnswered)
            """)
        return handshakes
    }

    /// A gateway that answers the probe with identifier 0 (the sandbox quirk, pushy #149): the
    /// probe still proves every notification before it, and the drain completes.
    @Test func probeAnsweredWithIdentifierZeroStillProvesTheWindow() async throws {
        let pki = try LoopbackFixture.pki.get()
        let gateway = try await MockGateway.start(MockGatewayConfiguration(
            tls: try pki.serverTLS(), faults: FaultPlan(missingTokenNamesIdentifierZero: true)))
        let pool = GatewayPool(
            configuration: .init(
                host: "127.0.0.1", port: gateway.gatewayPort, serverHostname: "localhost", connectionCount: 2,
                windowCapacity: 300, minimumWindowCapacity: 300),
            tlsContext: try LoopbackFixture.clientContext(identity: pki, trust: pki),
            eventLoop: MultiThreadedEventLoopGroup.singleton.next())
        pool.start()
        let results = try await LoopbackFixture.send(LoopbackFixture.notifications(0..<2_000), pool: pool)
        let statistics = await pool.statistics()
        try await gateway.stop()
        #expect(results.count == 2_000 && results.values.allSatisfy { $0 == [.accepted] })
        #expect(statistics.probesAnswered >= 2_000 / 300)
        #expect(statistics.resent == 0)
        #expect(gateway.statistics().accepted == 2_000)
    }

    /// A gateway that drops every connection right after accepting one notification: nothing is
    /// ever proven, so notifications go round until the resend cap turns them into
    /// `connectionLost` failures — each still gets exactly one outcome.
    @Test func notificationsThatKeepLosingConnectionsFailAfterTheCap() async throws {
        let pki = try LoopbackFixture.pki.get()
        let gateway = try await MockGateway.start(MockGatewayConfiguration(
            tls: try pki.serverTLS(), faults: FaultPlan(abruptCloseAfter: 1)))
        let pool = GatewayPool(
            configuration: .init(
                host: "127.0.0.1", port: gateway.gatewayPort, serverHostname: "localhost", connectionCount: 2,
                maxUnprovenAttempts: 2, backoff: BackoffPolicy(initial: .milliseconds(1), maximum: .milliseconds(5)),
                unreachableAfterFailures: 1_000),
            tlsContext: try LoopbackFixture.clientContext(identity: pki, trust: pki),
            eventLoop: MultiThreadedEventLoopGroup.singleton.next())
        pool.start()
        let results = try await LoopbackFixture.send(LoopbackFixture.notifications(0..<40), pool: pool)
        try await gateway.stop()
        #expect(results.count == 40 && results.values.allSatisfy { $0.count == 1 })
        let lost = results.values.filter {
            if case .failed(let failure) = $0[0] { return failure.code == .connectionLost }
            return false
        }
        #expect(lost.count == 40, "nothing can be proven when every connection dies without an answer")
    }

    /// Drives a pool whose connections cannot succeed and returns the single failure it reports.
    func failure(of pool: GatewayPool, tags: Range<UInt64> = 0..<50) async throws -> GatewayFailure {
        pool.start()
        let results: [UInt64: [GatewayOutcome.Result]]
        do {
            results = try await LoopbackFixture.send(LoopbackFixture.notifications(tags), pool: pool)
        } catch let failure as GatewayFailure {
            // The pool failed before the first submit (the handshake can lose the race with it).
            return failure
        }
        #expect(results.count == tags.count)
        let failures = Set(results.values.flatMap { $0 }.compactMap { result -> GatewayFailure? in
            if case .failed(let failure) = result { return failure }
            return nil
        })
        #expect(failures.count == 1, "every notification fails with the same error: \(failures)")
        return try #require(failures.first)
    }

    /// Starts a gateway with the shared PKI's certificate and a pool whose client presents
    /// `identity` and trusts `trust`; returns the pool's failure and whether submitting after it
    /// still throws. One side is the shared PKI, the other an unrelated one.
    /// With `spread`, the pool's connections run on every loop of the shared group.
    func failureWithStranger(asClient: Bool, spread: Bool = false) async throws -> (GatewayFailure, submitThrows: Bool) {
        let pki = try LoopbackFixture.pki.get()
        let stranger = try TestPKI()
        defer { stranger.remove() }
        let gateway = try await MockGateway.start(MockGatewayConfiguration(tls: try pki.serverTLS()))
        let configuration = GatewayPool.Configuration(host: "127.0.0.1", port: gateway.gatewayPort, serverHostname: "localhost")
        let context = asClient
            ? try LoopbackFixture.clientContext(identity: stranger, trust: pki)
            : try LoopbackFixture.clientContext(identity: pki, trust: stranger)
        let pool = spread
            ? GatewayPool(configuration: configuration, tlsContext: context, group: MultiThreadedEventLoopGroup.singleton)
            : GatewayPool(configuration: configuration, tlsContext: context, eventLoop: MultiThreadedEventLoopGroup.singleton.next())
        let failure = try await failure(of: pool)
        var submitThrows = false
        do { try await pool.submit(LoopbackFixture.notifications(0..<1)) } catch is GatewayFailure { submitThrows = true }
        try await gateway.stop()
        return (failure, submitThrows)
    }

    @Test func wrongClientCertificateIsFatal() async throws {
        let (failure, submitThrows) = try await failureWithStranger(asClient: true)
        #expect(failure.code == .clientCertificateRejected)
        #expect(failure.isFatal)
        #expect(submitThrows)
    }

    /// The TLS error crosses from the connection's loop to the pool's intact.
    @Test func wrongClientCertificateIsFatalWithConnectionsOnEveryLoop() async throws {
        let (failure, submitThrows) = try await failureWithStranger(asClient: true, spread: true)
        #expect(failure.code == .clientCertificateRejected)
        #expect(submitThrows)
    }

    @Test func untrustedGatewayCertificateIsFatal() async throws {
        let (failure, _) = try await failureWithStranger(asClient: false)
        #expect(failure.code == .gatewayCertificateUntrusted)
    }

    @Test func refusedConnectionsMakeTheGatewayUnreachable() async throws {
        let pki = try LoopbackFixture.pki.get()
        // A port that was just free: bind, read it, close.
        let probe = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = probe.localAddress!.port!
        try await probe.close()
        let pool = GatewayPool(
            configuration: .init(
                host: "127.0.0.1", port: port, serverHostname: "localhost", connectionCount: 2,
                backoff: BackoffPolicy(initial: .milliseconds(5), maximum: .milliseconds(50)), unreachableAfterFailures: 3),
            tlsContext: try LoopbackFixture.clientContext(identity: pki, trust: pki),
            eventLoop: MultiThreadedEventLoopGroup.singleton.next())
        let failure = try await failure(of: pool)
        #expect(failure.code == .gatewayUnreachable)
        #expect(failure.message.contains("3 connection attempts in a row failed"))
        #expect(await pool.statistics().connectionFailures >= 3)
    }
}
