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
    /// Name and header texts, shared by every decision of this policy (one reference to retain).
    let labels: PolicyLabels
    /// The path prefix as UTF-8 bytes (paths compare byte for byte, without grapheme breaking).
    let matchBytes: [UInt8]
    /// Methods the policy is restricted to (hot copy).
    let methods: [String]
    /// Host the policy is restricted to (hot copy).
    let host: String?
    /// Requests per window for headers.
    let limit: Int
    /// Count and log, never reject (hot copy).
    let dryRun: Bool
    /// `shipshape:ratelimit:<name>:`, the start of this policy's keys in Redis.
    let redisKeyPrefix: String
    /// Counts over-limit requests (dry run included): `shipshape_rate_limited_total{policy}`.
    let limitedCounter: Counter

    /// The Prometheus name of the over-limit counter (contract).
    static let limitedMetricName = "shipshape_rate_limited_total"

    init(index: Int, configuration: RateLimitConfiguration.Policy) {
        self.index = index
        self.configuration = configuration
        keySpec = KeySpec(configuration.key)
        clients = configuration.clients.compactMap(CIDR.init)
        matchBytes = Array(configuration.match.utf8)
        methods = configuration.methods
        host = configuration.host
        dryRun = configuration.dryRun
        redisKeyPrefix = RedisKeyName.prefix(policy: configuration.name)
        let quotedName = Self.structuredFieldString(configuration.name)
        switch configuration.rate {
        case .unlimited:
            gcra = nil
            limit = 0
            labels = PolicyLabels(name: configuration.name, quotedName: quotedName, policyField: quotedName, limit: 0)
        case .limited(let count, let period):
            gcra = GCRA(count: count, period: period, burst: configuration.burst)
            limit = count
            let window = max(GCRA.ceilingSeconds(period.components.seconds * GCRA.nanosPerSecond), 1)
            labels = PolicyLabels(
                name: configuration.name, quotedName: quotedName, policyField: "\(quotedName);q=\(count);w=\(window)",
                limit: count)
        }
        limitedCounter = Counter(label: Self.limitedMetricName, dimensions: [("policy", configuration.name)])
    }

    /// True when the policy applies to `request`, whose path's UTF-8 is `path` (path prefix, then optional
    /// method, host and clients). Paths compare byte for byte: `String.hasPrefix` compares characters and
    /// was the largest single cost of a decision.
    @inline(__always)
    func matches(path: UnsafeBufferPointer<UInt8>, _ request: RateLimitRequest, host requestHost: String?) -> Bool {
        guard path.count >= matchBytes.count else { return false }
        for index in matchBytes.indices where path[index] != matchBytes[index] { return false }
        if !methods.isEmpty, !methods.contains(request.method) { return false }
        if let wanted = host, wanted != requestHost { return false }
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
