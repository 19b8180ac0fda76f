import Metrics
import ShipshapeCore

/// A configured policy prepared for the hot path: parsed key, GCRA constants, header texts, metric.
final class CompiledPolicy: Sendable {
    /// Position in the store's tables.
    let index: Int
    /// The configured policy.
    let configuration: RateLimitConfiguration.Policy
    /// nil for `rate: unlimited` (exempt).
    let gcra: GCRA?
    /// How requests are grouped.
    let keySpec: KeySpec
    /// Client networks the policy is restricted to; empty means every client.
    let clients: [CIDR]
    /// The `RateLimit-Policy` value, e.g. `"api";q=100;w=60`.
    let policyField: String
    /// The name as a structured-field string.
    let quotedName: String
    /// Requests per window for headers.
    let limit: Int
    /// Counts over-limit requests (dry run included): `shipshape_rate_limited_total{policy}`.
    let limitedCounter: Counter

    /// The Prometheus name of the over-limit counter (contract).
    static let limitedMetricName = "shipshape_rate_limited_total"

    init(index: Int, configuration: RateLimitConfiguration.Policy) {
        self.index = index
        self.configuration = configuration
        keySpec = KeySpec(configuration.key)
        clients = configuration.clients.compactMap(CIDR.init)
        quotedName = Self.structuredFieldString(configuration.name)
        switch configuration.rate {
        case .unlimited:
            gcra = nil
            limit = 0
            policyField = quotedName
        case .limited(let count, let period):
            gcra = GCRA(count: count, period: period, burst: configuration.burst)
            limit = count
            let window = max(GCRA.ceilingSeconds(
                period.components.seconds * GCRA.nanosPerSecond), 1)
            policyField = "\(quotedName);q=\(count);w=\(window)"
        }
        limitedCounter = Counter(label: Self.limitedMetricName, dimensions: [("policy", configuration.name)])
    }

    /// True when the policy applies to `request` (path prefix, then optional method, host and clients).
    func matches(_ request: RateLimitRequest, host: String?) -> Bool {
        guard request.path.hasPrefix(configuration.match) else { return false }
        if !configuration.methods.isEmpty, !configuration.methods.contains(request.method) { return false }
        if let wanted = configuration.host, wanted != host { return false }
        if !clients.isEmpty, !clients.contains(where: { $0.contains(request.clientIP) }) { return false }
        return true
    }

    /// Orders policies from most to least specific: client-restricted first (so an exemption of an
    /// internal range on `/` covers every path), then the longest `match`, then host, then method, then
    /// file order.
    static func isMoreSpecific(_ left: CompiledPolicy, than right: CompiledPolicy) -> Bool {
        let l = left.configuration, r = right.configuration
        if l.clients.isEmpty != r.clients.isEmpty { return !l.clients.isEmpty }
        if l.match.utf8.count != r.match.utf8.count { return l.match.utf8.count > r.match.utf8.count }
        if (l.host == nil) != (r.host == nil) { return l.host != nil }
        if l.methods.isEmpty != r.methods.isEmpty { return !l.methods.isEmpty }
        return left.index < right.index
    }

    /// An RFC 8941 sf-string: quoted, with `"` and `\` escaped.
    static func structuredFieldString(_ text: String) -> String {
        var result = "\""
        for character in text {
            if character == "\"" || character == "\\" { result.append("\\") }
            result.append(character)
        }
        return result + "\""
    }
}
