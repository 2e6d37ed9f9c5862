#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOConcurrencyHelpers
import NIOCore

/// The append-only file of every notification the gateway accepted.
///
/// One line per accepted notification, fields separated by a tab, newline-terminated:
///
/// ```
/// <connection>\t<format>\t<identifier>\t<token hex>\t<payload bytes>\t<payload digest>
/// 3	2	17	a1b2…(64 hex)	83	5f1c2e0d9a7b3c41
/// ```
///
/// - `connection`: the gateway's connection number, from 1 in accept order.
/// - `format`: command byte, 0, 1 or 2; `GatewayLedger.http2Format` (20) for HTTP/2.
/// - `identifier`: the notification identifier (0 for command 0); the stream id for HTTP/2.
/// - `token hex`: the device token in lowercase hex.
/// - `payload digest`: FNV-1a 64 of the payload bytes, 16 lowercase hex digits.
///
/// There is no header, so `wc -l` is the number accepted. Lines from one connection are in wire
/// order; lines of different connections interleave in batches. Connections hand over batches
/// (one per socket read); the ledger writes to the file once 256 KiB are pending and on `flush()`.
public final class GatewayLedger: Sendable {
    private struct Pending {
        var buffer: ByteBuffer
        var failure: String?
    }

    /// The `format` field of lines for notifications accepted over HTTP/2.
    public static let http2Format: UInt8 = 20

    public let path: String
    private let descriptor: Int32
    private let pending: NIOLockedValueBox<Pending>
    private static let writeThreshold = 256 * 1024

    /// Opens (creating or appending to) the ledger at `path`.
    public init(path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw MockGatewayError(message: "cannot open the ledger \(path): errno \(errno)")
        }
        self.path = path
        self.descriptor = descriptor
        self.pending = NIOLockedValueBox(Pending(buffer: ByteBuffer(), failure: nil))
    }

    deinit {
        try? flush()
        close(descriptor)
    }

    /// Takes a batch of complete lines; writes to the file when enough is pending.
    func append(_ lines: ByteBuffer) {
        pending.withLockedValue { pending in
            var lines = lines
            pending.buffer.writeBuffer(&lines)
            if pending.buffer.readableBytes >= Self.writeThreshold {
                writeOut(&pending)
            }
        }
    }

    /// Writes everything pending to the file.
    public func flush() throws {
        let failure = pending.withLockedValue { pending -> String? in
            writeOut(&pending)
            return pending.failure
        }
        if let failure {
            throw MockGatewayError(message: "writing the ledger \(path) failed: \(failure)")
        }
    }

    private func writeOut(_ pending: inout Pending) {
        while pending.buffer.readableBytes > 0 {
            let written = pending.buffer.withUnsafeReadableBytes { bytes in
                write(descriptor, bytes.baseAddress, bytes.count)
            }
            if written < 0 {
                if errno == EINTR { continue }
                pending.failure = "errno \(errno)"
                break
            }
            pending.buffer.moveReaderIndex(forwardBy: written)
        }
        pending.buffer.clear()
    }
}

extension ByteBuffer {
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends `bytes` as lowercase hex.
    mutating func writeHex(of bytes: ByteBuffer) {
        let count = bytes.readableBytes
        let digits = Self.hexDigits
        bytes.withUnsafeReadableBytes { source in
            _ = self.writeWithUnsafeMutableBytes(minimumWritableBytes: count * 2) { target in
                for index in 0..<count {
                    let byte = source[index]
                    target[index &* 2] = digits[Int(byte >> 4)]
                    target[index &* 2 &+ 1] = digits[Int(byte & 0x0F)]
                }
                return count * 2
            }
        }
    }

    /// Appends a 64-bit value as 16 lowercase hex digits.
    mutating func writeHex(of value: UInt64) {
        let digits = Self.hexDigits
        _ = writeWithUnsafeMutableBytes(minimumWritableBytes: 16) { target in
            for index in 0..<16 {
                target[index] = digits[Int((value >> UInt64(60 - index * 4)) & 0x0F)]
            }
            return 16
        }
    }

    /// Appends `value` in decimal.
    mutating func writeDecimal<Value: BinaryInteger>(_ value: Value) {
        writeString(String(value))
    }

    /// FNV-1a 64 of the readable bytes, continuing from `seed`.
    func fnv1a64(seed: UInt64 = 0xCBF2_9CE4_8422_2325) -> UInt64 {
        withUnsafeReadableBytes { bytes in
            var hash = seed
            for byte in bytes {
                hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
            }
            return hash
        }
    }
}
