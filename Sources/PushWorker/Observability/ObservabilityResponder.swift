import Foundation
import NIOHTTP1
import Prometheus

/// One HTTP answer of the observability server, before it meets a socket.
public struct ObservabilityResponse: Sendable, Equatable {
    public var status: HTTPResponseStatus
    public var contentType: String
    public var extraHeaders: [(String, String)]
    public var body: [UInt8]

    public init(status: HTTPResponseStatus, contentType: String, extraHeaders: [(String, String)] = [], body: [UInt8]) {
        self.status = status
        self.contentType = contentType
        self.extraHeaders = extraHeaders
        self.body = body
    }

    public static func == (lhs: ObservabilityResponse, rhs: ObservabilityResponse) -> Bool {
        lhs.status == rhs.status && lhs.contentType == rhs.contentType && lhs.body == rhs.body
            && lhs.extraHeaders.map { [$0.0, $0.1] } == rhs.extraHeaders.map { [$0.0, $0.1] }
    }
}

/// Routes a request to its answer: `GET /metrics` (Prometheus text), `GET /health` (200 or 503
/// with a small JSON body), 404 for any other path, 405 for another method on a known path.
/// No I/O: the server hands it the method and target and writes what it returns.
public struct ObservabilityResponder: Sendable {
    /// Asked on every `GET /health`; must not block for long (a scraper is waiting).
    public typealias HealthCheck = @Sendable () async -> HealthReport

    /// Media type of the Prometheus text exposition format.
    public static let metricsContentType = "text/plain; version=0.0.4; charset=utf-8"

    let registry: PrometheusCollectorRegistry
    let health: HealthCheck

    public init(registry: PrometheusCollectorRegistry, health: @escaping HealthCheck) {
        self.registry = registry
        self.health = health
    }

    /// The answer to `method` on `target` (a request target such as `/metrics?x=1`; the query is ignored).
    public func respond(method: HTTPMethod, target: String) async -> ObservabilityResponse {
        let path = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        guard path == "/metrics" || path == "/health" else {
            return Self.text(.notFound, "no such endpoint: \(path) (try /metrics or /health)\n")
        }
        guard method == .GET else {
            var response = Self.text(.methodNotAllowed, "\(path) answers GET only\n")
            response.extraHeaders = [("Allow", "GET")]
            return response
        }
        if path == "/metrics" {
            var body: [UInt8] = []
            registry.emit(into: &body)
            return ObservabilityResponse(status: .ok, contentType: Self.metricsContentType, body: body)
        }
        let report = await health()
        return ObservabilityResponse(
            status: report.isHealthy ? .ok : .serviceUnavailable, contentType: "application/json",
            body: Self.json(report))
    }

    static func text(_ status: HTTPResponseStatus, _ message: String) -> ObservabilityResponse {
        ObservabilityResponse(status: status, contentType: "text/plain; charset=utf-8", body: Array(message.utf8))
    }

    /// `{"status":"ok",...}` or `{"status":"unhealthy","reason":"...",...}`, keys sorted.
    static func json(_ report: HealthReport) -> [UInt8] {
        struct Body: Encodable {
            var status: String
            var reason: String?
            var details: [String: String]?
        }
        let body = Body(
            status: report.isHealthy ? "ok" : "unhealthy", reason: report.reason,
            details: report.details.isEmpty ? nil : report.details)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding strings into JSON cannot fail; an empty object is a safe fallback all the same.
        return ((try? encoder.encode(body)).map(Array.init) ?? Array("{}".utf8)) + [UInt8(ascii: "\n")]
    }
}
