import Metrics
import ShipshapeCore

/// Routes swift-metrics to the Prometheus registry once per test process.
enum MetricsBootstrap {
    private static let done: Bool = {
        if MetricsSystem.factory is NOOPMetricsHandler { ShipshapeMetrics.bootstrap() }
        return true
    }()

    static func ensure() { _ = done }
}
