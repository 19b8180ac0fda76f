import Foundation

/// Requests a color answered, read from the gateway's `shipshape_http_requests_total{route,status,color}`
/// counters: the bake window compares two readings to get the new color's 5xx ratio since the switch. The
/// counters hold every service's requests on that color, so only the deployed service's routes are summed.
public struct RequestCounts: Sendable, Hashable {
    /// All requests answered on the color.
    public var total: Double
    /// Those answered with a 5xx status.
    public var serverErrors: Double

    /// Counts.
    public init(total: Double = 0, serverErrors: Double = 0) {
        self.total = total
        self.serverErrors = serverErrors
    }

    /// The metric read.
    static let metricName = "shipshape_http_requests_total"

    /// Sums the counters of `color` in a Prometheus text exposition, only those of `routes` (route prefixes,
    /// the `route` label) when given.
    public static func parse(prometheusText text: String, color: DeployColor, routes: Set<String>? = nil)
        -> RequestCounts
    {
        var counts = RequestCounts()
        for line in text.split(separator: "\n") where line.hasPrefix(metricName + "{") {
            guard let close = line.lastIndex(of: "}"),
                let value = Double(line[line.index(after: close)...].trimmingCharacters(in: .whitespaces))
            else { continue }
            let labels = Self.labels(line[line.index(line.startIndex, offsetBy: metricName.count + 1)..<close])
            guard labels["color"] == color.rawValue else { continue }
            if let routes, !routes.contains(labels["route"] ?? "") { continue }
            counts.total += value
            if labels["status"]?.hasPrefix("5") == true { counts.serverErrors += value }
        }
        return counts
    }

    /// The change from `earlier` to this reading.
    public func since(_ earlier: RequestCounts) -> RequestCounts {
        RequestCounts(total: max(0, total - earlier.total), serverErrors: max(0, serverErrors - earlier.serverErrors))
    }

    /// The share of 5xx responses (0 when nothing was answered).
    public var errorRatio: Double { total > 0 ? serverErrors / total : 0 }

    /// `a="1",b="2"` → `[a: 1, b: 2]` (label values in our metrics hold no quotes or commas).
    static func labels(_ text: Substring) -> [String: String] {
        var result: [String: String] = [:]
        for pair in text.split(separator: ",") {
            guard let equals = pair.firstIndex(of: "=") else { continue }
            let name = pair[..<equals].trimmingCharacters(in: .whitespaces)
            let value = pair[pair.index(after: equals)...].trimmingCharacters(in: CharacterSet(charactersIn: "\" "))
            result[name] = value
        }
        return result
    }
}
