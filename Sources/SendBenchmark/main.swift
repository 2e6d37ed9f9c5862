// Sends N notifications over C connections into the in-process mock gateway (mutual TLS on
// loopback, no database) and prints, as its last line,
//   notifications_per_s=<n> connections=<n> notifications=<n>
// where the rate counts what the gateway's ledger accepted (distinct notifications), not what
// was written. Run through `scripts/bench send` (release build).
//
//   pushworker-send-benchmark [--notifications N] [--connections C] [--invalid-percent P]
//                             [--window W] [--payload-bytes B] [--key-exchange default|x25519]
//                             [--client-threads T] [--gateway-threads T] [--client-key rsa2048|p256]
//
// --client-threads T > 1 (default: one per core) spreads the pool's connections over T event loops
// (GatewayPool(configuration:tlsContext:group:)); 1 keeps them on the pool's loop. The mock gateway
// runs on --gateway-threads loops (default: one per core). --client-key p256 swaps Apple's RSA-2048 client key for a P-256
// one: a comparison only, Apple issues RSA-2048 provider certificates.
import APNSBinary
import MockGateway
import NIOCore
import NIOPosix
import NIOSSL
import PushCore
import X509

struct Options {
    var notifications = 1_000_000
    var connections = 4
    var invalidPercent = 0.0
    var window = 32_768
    var payloadBytes = 64
    /// `default` (BoringSSL's list, which prefers the hybrid X25519MLKEM768) or `x25519`.
    var keyExchange = "default"
    /// One event loop per core on each side by default (the pool spreads its connections over them).
    var clientThreads = System.coreCount
    var gatewayThreads = System.coreCount
    var clientKey = "rsa2048"

    init(arguments: [String]) {
        var iterator = arguments.makeIterator()
        while let name = iterator.next() {
            guard let value = iterator.next() else { fatalError("missing value for \(name)") }
            switch name {
            case "--notifications": notifications = Int(value)!
            case "--connections": connections = Int(value)!
            case "--invalid-percent": invalidPercent = Double(value)!
            case "--window": window = Int(value)!
            case "--payload-bytes": payloadBytes = Int(value)!
            case "--key-exchange": keyExchange = value
            case "--client-threads": clientThreads = Int(value)!
            case "--gateway-threads": gatewayThreads = Int(value)!
            case "--client-key": clientKey = value
            default: fatalError("unknown option \(name)")
            }
        }
    }
}

let options = Options(arguments: Array(CommandLine.arguments.dropFirst()))

// Tokens are unique per notification; every k-th one is known to the gateway as invalid.
func token(_ index: Int) -> [UInt8] {
    var bytes = [UInt8](repeating: 0xA5, count: 32)
    withUnsafeBytes(of: UInt64(index).bigEndian) { bytes.replaceSubrange(0..<8, with: $0) }
    return bytes
}
let invalidStride = options.invalidPercent > 0 ? Int((100 / options.invalidPercent).rounded()) : 0
func isInvalid(_ index: Int) -> Bool { invalidStride > 0 && index % invalidStride == invalidStride / 2 }

let pki = try GatewayPKI(options: .init(clientKey: options.clientKey == "p256" ? .p256 : .rsa2048))
var invalid = Set<ByteBuffer>()
if invalidStride > 0 {
    for index in 0..<options.notifications where isInvalid(index) { invalid.insert(ByteBuffer(bytes: token(index))) }
}
let gatewayGroup = MultiThreadedEventLoopGroup(numberOfThreads: options.gatewayThreads)
let clientGroup = MultiThreadedEventLoopGroup(numberOfThreads: options.clientThreads)
let gateway = try await MockGateway.start(
    MockGatewayConfiguration(tls: try pki.serverTLS(), faults: FaultPlan(invalidTokens: invalid)),
    group: gatewayGroup)

var tls = TLSConfiguration.makeClientConfiguration()
tls.trustRoots = .certificates([try NIOSSLCertificate(bytes: Array(pki.authority.certificate.serializeAsPEM().pemString.utf8), format: .pem)])
tls.certificateChain = [.certificate(try pki.client.nioCertificate())]
tls.privateKey = .privateKey(try pki.client.nioPrivateKey())
if options.keyExchange == "x25519" { tls.curves = [.x25519] }
let context = try NIOSSLContext(configuration: tls)

let payloadJSON = "{\"aps\":{\"alert\":\"" + String(repeating: "x", count: max(0, options.payloadBytes - 20)) + "\"}}"
let content = try NotificationContent(payload: Payload(validating: payloadJSON, limit: .binaryFrame))
var notifications: [GatewayNotification] = []
notifications.reserveCapacity(options.notifications)
for index in 0..<options.notifications {
    notifications.append(GatewayNotification(tag: UInt64(index), deviceToken: try DeviceToken(bytes: token(index)), content: content))
}

let poolConfiguration = GatewayPool.Configuration(
    host: "127.0.0.1", port: gateway.gatewayPort, serverHostname: "localhost",
    connectionCount: options.connections, windowCapacity: options.window)
let pool = options.clientThreads > 1
    ? GatewayPool(configuration: poolConfiguration, tlsContext: context, group: clientGroup)
    : GatewayPool(configuration: poolConfiguration, tlsContext: context, eventLoop: clientGroup.next())
pool.start()

let start = ContinuousClock.now
let counts = try await withThrowingTaskGroup(of: (accepted: Int, rejected: Int, failed: Int).self) { group in
    group.addTask {
        var counts = (accepted: 0, rejected: 0, failed: 0)
        for await batch in pool.outcomes {
            for outcome in batch {
                switch outcome.result {
                case .accepted: counts.accepted += 1
                case .rejected: counts.rejected += 1
                case .failed: counts.failed += 1
                }
            }
        }
        return counts
    }
    let batchSize = 4_096
    var index = 0
    while index < notifications.count {
        let end = min(index + batchSize, notifications.count)
        try await pool.submit(Array(notifications[index..<end]))
        index = end
    }
    await pool.drain()
    return try await group.next()!
}
let elapsed = start.duration(to: .now)
let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
let statistics = gateway.statistics()
let poolStatistics = await pool.statistics()
try await gateway.stop()

let ledgerAccepted = statistics.accepted - statistics.duplicates
print("client: accepted=\(counts.accepted) rejected=\(counts.rejected) failed=\(counts.failed) "
    + "resent=\(poolStatistics.resent) (after rejection \(poolStatistics.resentAfterRejection), "
    + "unproven \(poolStatistics.resentUnproven)) connections=\(poolStatistics.connectionsEstablished)")
print("gateway: accepted=\(statistics.accepted) duplicates=\(statistics.duplicates) rejected=\(statistics.rejectedTotal) "
    + "discarded=\(statistics.discardedAfterError) connections=\(statistics.connectionsTotal)")
print("elapsed_s=\(seconds) client_threads=\(options.clientThreads) gateway_threads=\(options.gatewayThreads) client_key=\(options.clientKey)")
print("notifications_per_s=\(Int(Double(ledgerAccepted) / seconds)) connections=\(options.connections) notifications=\(options.notifications)")
