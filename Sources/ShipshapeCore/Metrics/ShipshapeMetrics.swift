import Metrics
import Prometheus

/// The process-wide Prometheus registry behind swift-metrics, rendered on the admin metrics listener.
public enum ShipshapeMetrics {
    /// The registry every Shipshape metric is registered in.
    public static let registry = PrometheusCollectorRegistry()

    /// Routes swift-metrics to the Prometheus registry; call once from the executable.
    public static func bootstrap() {
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
    }

    /// The Prometheus text exposition of every registered metric.
    public static func render() -> String {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(4096)
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}
