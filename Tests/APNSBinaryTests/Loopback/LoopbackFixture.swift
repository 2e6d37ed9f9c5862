import APNSBinary
import MockGateway
import NIOCore
import NIOPosix
import NIOSSL
import PushCore
import Testing
import TestSupport

/// A mock gateway over mutual TLS on loopback, and a way to run a pool against it.
struct LoopbackFixture {
    static let pki = Result { try TestPKI() }
    static let content = try! NotificationContent(payload: Payload(validating: #"{"aps":{"alert":"load"}}"#, limit: .binaryFrame))

    /// A 32-byte token that encodes `tag`, so the gateway's ledger maps back to tags.
    static func token(_ tag: UInt64) -> [UInt8] {
        var bytes = [UInt8](repeating: 0x3C, count: 32)
        withUnsafeBytes(of: tag.bigEndian) { bytes.replaceSubrange(0..<8, with: $0) }
        return bytes
    }

    static func tag(ofTokenHex hex: Substring) -> UInt64? {
        UInt64(hex.prefix(16), radix: 16)
    }

    static func notifications(_ tags: Range<UInt64>) -> [GatewayNotification] {
        tags.map { GatewayNotification(tag: $0, deviceToken: try! DeviceToken(bytes: token($0)), content: content) }
    }

    /// A client context trusting `trust`'s CA and presenting `identity`'s client certificate.
    static func clientContext(identity: TestPKI, trust: TestPKI) throws -> NIOSSLContext {
        try trust.clientContext(presenting: identity.pki.client)
    }

    /// Sends `notifications` through a pool and drains it; returns every outcome by tag.
    static func send(
        _ notifications: [GatewayNotification], pool: GatewayPool, batchSize: Int = 2_048
    ) async throws -> [UInt64: [GatewayOutcome.Result]] {
        try await withThrowingTaskGroup(of: [UInt64: [GatewayOutcome.Result]].self) { group in
            group.addTask {
                var results: [UInt64: [GatewayOutcome.Result]] = [:]
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
