import Prometheus
import ShipshapeCore
import Synchronization

/// The gateway's Prometheus metrics, with label sets cached so a request costs one dictionary lookup.
final class GatewayMetrics: Sendable {
    /// Request duration buckets, in seconds.
    static let durationBuckets: [Duration] = [
        .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5),
        .seconds(10),
    ]

    struct RequestKey: Hashable {
        let route: String
        let status: Int
        let color: String
    }

    let registry: PrometheusCollectorRegistry
    let enabled: Bool
    let requests = Mutex<[RequestKey: Counter]>([:])
    let durations = Mutex<[String: DurationHistogram]>([:])
    let connections: Gauge

    init(registry: PrometheusCollectorRegistry, enabled: Bool) {
        self.registry = registry
        self.enabled = enabled
        connections = registry.makeGauge(
            descriptor: MetricNameDescriptor(metricName: "shipshape_connections_active", unitName: "", helpText: "Open client connections"))
    }

    /// The counter and histogram of one `(route, status, color)`. A connection keeps the last one it used, so
    /// while its requests land on the same series they cost no lookup and no lock.
    struct RequestSeries {
        let key: RequestKey
        let counter: Counter
        let histogram: DurationHistogram
    }

    /// Counts a request and records its duration; `cached` is the caller's last series, reused when it matches.
    func recordRequest(route: String, status: Int, color: String, duration: Duration, cached: inout RequestSeries?) {
        guard enabled else { return }
        let key = RequestKey(route: route, status: status, color: color)
        let series: RequestSeries
        if let last = cached, last.key == key {
            series = last
        } else {
            series = lookUp(key)
            cached = series
        }
        series.counter.increment()
        series.histogram.record(duration)
    }

    private func lookUp(_ key: RequestKey) -> RequestSeries {
        let counter = requests.withLock { cache in
            if let counter = cache[key] { return counter }
            let counter = registry.makeCounter(
                descriptor: MetricNameDescriptor(metricName: "shipshape_http_requests_total", unitName: "", helpText: "Requests answered by the gateway"),
                labels: [("route", key.route), ("status", String(key.status)), ("color", key.color)])
            cache[key] = counter
            return counter
        }
        let histogram = durations.withLock { cache in
            if let histogram = cache[key.route] { return histogram }
            let histogram = registry.makeDurationHistogram(
                descriptor: MetricNameDescriptor(
                    metricName: "shipshape_http_request_duration_seconds", unitName: "", helpText: "Time from request head to response end"),
                labels: [("route", key.route)], buckets: Self.durationBuckets)
            cache[key.route] = histogram
            return histogram
        }
        return RequestSeries(key: key, counter: counter, histogram: histogram)
    }

    func connectionOpened() { connections.increment() }
    func connectionClosed() { connections.decrement() }

    /// Publishes `shipshape_upstream_healthy{service,color,target}` from a registry snapshot.
    func publishHealth(_ services: [ServiceSnapshot]) {
        for service in services {
            for target in service.targets {
                registry.makeGauge(
                    descriptor: MetricNameDescriptor(
                        metricName: "shipshape_upstream_healthy", unitName: "", helpText: "1 when the target passes its health checks"),
                    labels: [("service", service.name), ("color", target.color.rawValue), ("target", target.address)]
                ).set(to: target.state == .healthy ? 1 : 0)
            }
        }
    }
}
