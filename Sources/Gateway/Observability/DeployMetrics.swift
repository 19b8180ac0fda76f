import Prometheus

/// `shipshape_deploys_total{service,outcome}` and `shipshape_deploy_duration_seconds{service}`: the deploy
/// CLI is a separate process, so it reports each deploy's end to the gateway (`POST /v1/deploys`), which
/// owns the metrics listener and counts it here.
struct DeployMetrics: Sendable {
    /// The outcomes a deploy can end with (the history's); anything else is refused, so a client cannot
    /// grow the label set.
    static let outcomes: Set<String> = ["succeeded", "failed", "rolled_back"]
    /// Deploy duration buckets: a deploy takes seconds (health gate) to minutes (drain, bake).
    static let durationBuckets: [Duration] = [
        .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(20), .seconds(30), .seconds(60),
        .seconds(120), .seconds(300), .seconds(600),
    ]

    let registry: PrometheusCollectorRegistry

    /// Counts one finished deploy of `service`. The registry hands back the same counter and histogram for
    /// the same labels, so nothing is cached here.
    func record(service: String, outcome: String, duration: Duration) {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(
                metricName: "shipshape_deploys_total", unitName: "", helpText: "Deploys finished, by outcome"),
            labels: [("service", service), ("outcome", outcome)]
        ).increment()
        registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(
                metricName: "shipshape_deploy_duration_seconds", unitName: "",
                helpText: "Time from deploy start to its end"),
            labels: [("service", service)], buckets: Self.durationBuckets
        ).record(duration)
    }
}
