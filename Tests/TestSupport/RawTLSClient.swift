import NIOCore
import NIOPosix
import NIOSSL

/// A hand-driven TLS client for gateway tests: writes bytes exactly as given and records every
/// byte the server sends until the connection ends. It has no protocol knowledge at all.
public enum RawTLSClient {
    /// How the server's side of the conversation went.
    public struct Exchange: Sendable {
        /// Every byte received, in order.
        public var received: [UInt8]
        /// The error that ended the connection, if it did not end cleanly (handshake refusal,
        /// unclean shutdown, reset, …).
        public var error: String?
    }

    public struct TimedOut: Error, CustomStringConvertible {
        public var description: String { "the server neither answered nor closed the connection in time" }
    }

    /// Connects, writes `chunks` (each flushed on its own), then reads until the server closes.
    /// Write failures after the server closed are ignored (they are expected after an error
    /// response). Throws `TimedOut` when the connection is still open after `timeout`.
    public static func exchange(
        port: Int,
        context: NIOSSLContext,
        serverHostname: String? = "localhost",
        chunks: [[UInt8]],
        timeout: Duration = .seconds(20)
    ) async throws -> Exchange {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        try NIOSSLClientHandler(context: context, serverHostname: serverHostname))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await withThrowingTaskGroup(of: Exchange?.self) { group in
            group.addTask {
                try await channel.executeThenClose { inbound, outbound in
                    for chunk in chunks {
                        do { try await outbound.write(ByteBuffer(bytes: chunk)) } catch { break }
                    }
                    var exchange = Exchange(received: [], error: nil)
                    do {
                        for try await buffer in inbound {
                            exchange.received.append(contentsOf: buffer.readableBytesView)
                        }
                    } catch {
                        exchange.error = String(describing: error)
                    }
                    return exchange
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            let first = try await group.next()!
            group.cancelAll()
            guard let exchange = first else {
                try? await channel.channel.close()
                throw TimedOut()
            }
            return exchange
        }
    }
}
