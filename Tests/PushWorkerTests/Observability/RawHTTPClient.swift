import NIOCore
import NIOPosix

/// A plain TCP client that writes request bytes as given and reads until the server closes, so
/// tests see exactly what the observability server put on the wire.
enum RawHTTPClient {
    /// One parsed response: status code, lower-cased header names, body.
    struct Response {
        var status: Int
        var headers: [String: String]
        var body: String
    }

    /// Sends `request` to 127.0.0.1:`port` and returns every byte received until the server closed.
    static func exchange(port: Int, request: String) async throws -> String {
        try await connect(port: port).executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: request))
            var received = ByteBuffer()
            for try await var chunk in inbound {
                received.writeBuffer(&chunk)
            }
            return String(buffer: received)
        }
    }

    /// A connection to 127.0.0.1:`port` that speaks in bytes.
    static func connect(port: Int) async throws -> NIOAsyncChannel<ByteBuffer, ByteBuffer> {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
    }

    /// `GET`s (or another method on) `path` with `Connection: close` and parses the one response.
    static func request(_ path: String, method: String = "GET", port: Int) async throws -> Response {
        let raw = try await exchange(port: port, request: "\(method) \(path) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        let responses = parse(raw)
        guard responses.count == 1, let response = responses.first else {
            throw UnexpectedResponse(raw: raw)
        }
        return response
    }

    /// Splits a byte stream of responses delimited by Content-Length.
    static func parse(_ raw: String) -> [Response] {
        var rest = Substring(raw)
        var responses: [Response] = []
        while let headEnd = rest.range(of: "\r\n\r\n") {
            let lines = rest[..<headEnd.lowerBound].components(separatedBy: "\r\n")
            guard let statusLine = lines.first, statusLine.hasPrefix("HTTP/1.1 "),
                  let status = Int(statusLine.dropFirst(9).prefix(3)) else { break }
            var headers: [String: String] = [:]
            for line in lines.dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            let length = Int(headers["content-length"] ?? "") ?? 0
            let bodyStart = headEnd.upperBound
            let bodyBytes = rest[bodyStart...].utf8.prefix(length)
            responses.append(Response(status: status, headers: headers, body: String(decoding: bodyBytes, as: UTF8.self)))
            rest = rest[rest.utf8.index(bodyStart, offsetBy: bodyBytes.count)...]
        }
        return responses
    }

    struct UnexpectedResponse: Error, CustomStringConvertible {
        var raw: String
        var description: String { "expected exactly one HTTP response, got: \(raw.debugDescription)" }
    }
}
