import ShipshapeCore

/// One JSON line per request on standard output, with the contract's fields.
struct AccessLog: Sendable {
    let sink: LogSink
    let enabled: Bool

    func record(_ exchange: Exchange) {
        guard enabled else { return }
        var line = JSONLineWriter()
        line.field("timestamp", string: Timestamp.iso8601Now())
        line.field("level", string: "info")
        line.field("logger", string: "shipshape.access")
        line.field("service", string: exchange.service ?? "-")
        line.field("request_id", string: exchange.requestID)
        line.field("method", string: exchange.method.rawValue)
        line.field("path", string: exchange.path)
        line.field("status", int: Int(exchange.status?.code ?? 0))
        line.field("bytes", int: exchange.bytesSent)
        line.field("duration_ms", raw: String(format3(exchange.durationMilliseconds)))
        line.field("upstream", string: exchange.target?.description ?? "-")
        line.field("color", string: exchange.color?.rawValue ?? "-")
        line.field("client_ip", string: exchange.clientIP)
        line.field("user_agent", string: exchange.userAgent)
        sink.write(line.finish())
    }

    /// Milliseconds with three decimals, without Foundation's formatter on the hot path.
    func format3(_ value: Double) -> String {
        let micros = Int((value * 1000).rounded())
        let fraction = String(micros % 1000)
        return "\(micros / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}
