import APNSBinary
import APNSHTTP2
import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import PushCore
import TestSupport

/// Pools against a ``LoopbackHTTP2Server`` over real TLS (ALPN h2) on loopback.
enum HTTP2LoopbackFixture {
    static let pki = Result { try TestPKI() }
    static let group = MultiThreadedEventLoopGroup.singleton
    static let content = try! HTTP2NotificationContent(
        payload: Payload(validating: #"{"aps":{"alert":"loop"}}"#, limit: .http2), bundleID: "com.example.loop")

    /// A 32-byte token whose first byte is `kind` and whose next 8 bytes encode `tag`.
    static func token(_ tag: UInt64, kind: UInt8 = 0) -> DeviceToken {
        var bytes = [UInt8](repeating: 0x3C, count: 32)
        bytes[0] = kind
        withUnsafeBytes(of: tag.bigEndian) { bytes.replaceSubrange(1..<9, with: $0) }
        return try! DeviceToken(bytes: bytes)
    }

    static func notifications(_ tags: Range<UInt64>, kind: (UInt64) -> UInt8 = { _ in 0 }) -> [HTTP2Notification] {
        tags.map { HTTP2Notification(tag: $0, deviceToken: token($0, kind: kind($0)), content: content) }
    }

    /// The client context presenting the PKI's client certificate (or none) and trusting its CA.
    static func clientContext(presentingCertificate: Bool) throws -> NIOSSLContext {
        let pki = try pki.get()
        let identity = presentingCertificate
            ? try ClientIdentity.load(from: .pem(certificateFile: pki.files.clientCertificate, keyFile: pki.files.clientKey, keyPassphrase: nil))
            : nil
        return try HTTP2TLS.makeClientContext(
            identity: identity, trust: .certificateAuthorities(file: pki.files.caCertificate), environment: .sandbox)
    }

    static func pool(
        server: LoopbackHTTP2Server, connections: Int = 2, authentication: HTTP2Authentication = .certificate,
        presentingCertificate: Bool = true, maximumStreams: Int = 1_000, highestStreamID: Int = Int(Int32.max)
    ) throws -> HTTP2Pool {
        HTTP2Pool(
            configuration: .init(
                host: "127.0.0.1", port: server.port, connectionCount: connections,
                connection: .init(initialStreamLimit: 1, maximumStreams: maximumStreams, highestStreamID: highestStreamID),
                connectTimeout: .seconds(10), backoff: BackoffPolicy(initial: .milliseconds(20), maximum: .milliseconds(200)),
                unreachableAfterFailures: 3),
            tlsContext: try clientContext(presentingCertificate: presentingCertificate),
            authentication: authentication, eventLoop: group.next())
    }

    /// Sends `notifications` through `pool` and drains it; returns every outcome by tag.
    static func send(_ notifications: [HTTP2Notification], pool: HTTP2Pool, batchSize: Int = 256) async throws
        -> [UInt64: [HTTP2Outcome.Result]]
    {
        pool.start()
        return try await withThrowingTaskGroup(of: [UInt64: [HTTP2Outcome.Result]].self) { group in
            group.addTask {
                var results: [UInt64: [HTTP2Outcome.Result]] = [:]
                for await batch in pool.outcomes {
                    for outcome in batch { results[outcome.tag, default: []].append(outcome.result) }
                }
                return results
            }
            var index = 0
            do {
                while index < notifications.count {
                    let end = min(index + batchSize, notifications.count)
                    try await pool.submit(Array(notifications[index..<end]))
                    index = end
                }
            } catch {
                // The pool failed before taking everything (e.g. a certificate refused before the
                // first submit): drain it so the outcome sequence ends and the group can return.
                await pool.drain()
                throw error
            }
            await pool.drain()
            return try await group.next()!
        }
    }
}
