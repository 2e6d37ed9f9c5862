import Metrics
import Prometheus

/// Installs swift-metrics' process-wide factory once, over one Prometheus registry.
///
/// `MetricsSystem.bootstrap` may run only once per process, so the first access to
/// ``registry`` performs it (Swift runs a static initialiser exactly once, thread-safely) and every
/// later access returns the same registry. Tests never touch this: they build a registry and a
/// factory of their own with ``WorkerMetrics/makeFactory(registry:)``.
public enum PrometheusBootstrap {
    /// The registry behind the process-wide metrics factory; bootstraps swift-metrics on first use.
    /// Traps if something else bootstrapped swift-metrics before (swift-metrics' rule).
    public static var registry: PrometheusCollectorRegistry { bootstrapped }

    private static let bootstrapped: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(WorkerMetrics.makeFactory(registry: registry))
        return registry
    }()
}
