import Foundation
import Logging
import Metrics
import NIOCore
import Prometheus
import PushWorker
import ServiceLifecycle
import Testing
import TestSupport

/// The observability server on a real loopback socket (port 0), with its own registry and
/// factory: the process-wide swift-metrics bootstrap is never touched by tests.
@Suite struct ObservabilityServerTests {
    /// A health answer the test can flip while the server runs.
    final class HealthSwitch: @unchecked Sendable {
        private let lock = NSLock()
        private var report = HealthReport.healthy()
        func set(_ report: HealthReport) { lock.withLock { self.report = report } }
        func get() -> HealthReport { lock.withLock { report } }
    }

    /// Runs a server bound to a free port while `body` runs, then shuts it down gracefully and
    /// checks that `run()` returned.
    static func withServer(
        registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        health: @escaping ObservabilityResponder.HealthCheck = { .healthy() },
        _ body: (Int) async throws -> Void
    ) async throws {
        let server = try await ObservabilityServer.bind(
            host: "127.0.0.1", port: 0, responder: ObservabilityResponder(registry: registry, health: health),
            logger: .quiet)
        #expect(server.port > 0)
        let group = ServiceGroup(services: [server], gracefulShutdownSignals: [], cancellationSignals: [], logger: .quiet)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            do {
                try await body(server.port)
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    @Test func metricsShowACounterIncrementedThroughTheFactory() async throws {
        let registry = PrometheusCollectorRegistry()
        let factory = WorkerMetrics.makeFactory(registry: registry)
        let rejected = Counter(
            label: WorkerMetrics.notificationsRejected,
            dimensions: [(WorkerMetrics.Label.status, "8"), (WorkerMetrics.Label.reason, "invalid token")],
            factory: factory)
        rejected.increment(by: 3)
        Timer(label: WorkerMetrics.claimDuration, factory: factory).record(.milliseconds(3))
        try await Self.withServer(registry: registry) { port in
            let response = try await RawHTTPClient.request("/metrics", port: port)
            #expect(response.status == 200)
            #expect(response.headers["content-type"] == ObservabilityResponder.metricsContentType)
            #expect(response.body.contains(#"pushworker_notifications_rejected_total{status="8",reason="invalid token"} 3"#))
            #expect(response.body.contains(#"pushworker_claim_seconds_bucket{le="0.005"} 1"#))
            #expect(response.body.contains(#"pushworker_claim_seconds_bucket{le="0.002"} 0"#))
        }
    }

    @Test func healthAnswers200Or503WithTheReason() async throws {
        let health = HealthSwitch()
        health.set(.healthy(["apps": "2"]))
        try await Self.withServer(health: { health.get() }) { port in
            let healthy = try await RawHTTPClient.request("/health", port: port)
            #expect(healthy.status == 200)
            #expect(healthy.headers["content-type"] == "application/json")
            #expect(healthy.body == #"{"details":{"apps":"2"},"status":"ok"}"# + "\n")

            health.set(.unhealthy("database unreachable since 10:00:00"))
            let unhealthy = try await RawHTTPClient.request("/health", port: port)
            #expect(unhealthy.status == 503)
            #expect(unhealthy.body == #"{"reason":"database unreachable since 10:00:00","status":"unhealthy"}"# + "\n")
        }
    }

    @Test func unknownPathIs404AndOtherMethodsAre405() async throws {
        try await Self.withServer { port in
            let missing = try await RawHTTPClient.request("/nope", port: port)
            #expect(missing.status == 404)
            let post = try await RawHTTPClient.request("/metrics", method: "POST", port: port)
            #expect(post.status == 405)
            #expect(post.headers["allow"] == "GET")
            let delete = try await RawHTTPClient.request("/health", method: "DELETE", port: port)
            #expect(delete.status == 405)
            let withQuery = try await RawHTTPClient.request("/health?verbose=1", port: port)
            #expect(withQuery.status == 200)
        }
    }

    @Test func keepAliveConnectionAnswersEachRequestInOrder() async throws {
        try await Self.withServer { port in
            let raw = try await RawHTTPClient.exchange(port: port, request:
                "GET /health HTTP/1.1\r\nHost: x\r\n\r\n" + "GET /missing HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            #expect(RawHTTPClient.parse(raw).map(\.status) == [200, 404, 200])
        }
    }

    @Test func gracefulShutdownClosesAnIdleKeepAliveConnection() async throws {
        let server = try await ObservabilityServer.bind(
            host: "127.0.0.1", port: 0,
            responder: ObservabilityResponder(registry: PrometheusCollectorRegistry(), health: { .healthy() }),
            logger: .quiet)
        let group = ServiceGroup(services: [server], gracefulShutdownSignals: [], cancellationSignals: [], logger: .quiet)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            // The client keeps its connection open after the first answer; only the server's
            // graceful shutdown can end the read, and then run() returns.
            let connection = try await RawHTTPClient.connect(port: server.port)
            try await connection.executeThenClose { inbound, outbound in
                try await outbound.write(ByteBuffer(string: "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"))
                var received = ByteBuffer()
                var iterator = inbound.makeAsyncIterator()
                while RawHTTPClient.parse(String(buffer: received)).isEmpty, var chunk = try await iterator.next() {
                    received.writeBuffer(&chunk)
                }
                #expect(RawHTTPClient.parse(String(buffer: received)).map(\.status) == [200])
                await group.triggerGracefulShutdown()
                while var chunk = try await iterator.next() {
                    received.writeBuffer(&chunk)
                }
                #expect(RawHTTPClient.parse(String(buffer: received)).count == 1)
            }
            try await tasks.waitForAll()
        }
    }

    @Test func aTakenPortFailsAtBind() async throws {
        try await Self.withServer { port in
            await #expect(throws: (any Error).self) {
                _ = try await ObservabilityServer.bind(
                    host: "127.0.0.1", port: port,
                    responder: ObservabilityResponder(registry: PrometheusCollectorRegistry(), health: { .healthy() }),
                    logger: .quiet)
            }
        }
    }
}
