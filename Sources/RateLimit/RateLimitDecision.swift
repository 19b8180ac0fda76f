/// The outcome for one request under the most specific matching policy.
public struct RateLimitDecision: Sendable {
    /// The policy's name.
    public var policy: String { labels.name }
    /// False only when the request must be rejected (limited and not dry run, or the store is down and
    /// the failure mode is closed).
    public var allowed: Bool
    /// True when the request was over the limit (also in dry run, where it is still allowed).
    public var limited: Bool
    /// The HTTP status for a rejection: 429, or 503 when the shared store is down in closed mode.
    public var rejectionStatus: Int
    /// Requests per window (the policy's count).
    public var limit: Int
    /// Requests that could still be made right now.
    public var remaining: Int
    /// Seconds until the quota is whole again.
    public var resetSeconds: Int
    /// Seconds until a rejected request may be retried; 0 when allowed.
    public var retryAfterSeconds: Int
    /// The policy's name and header texts.
    let labels: PolicyLabels

    /// HTTP status for over-limit rejections.
    public static let limitedStatus = 429
    /// HTTP status when the shared store is unreachable in closed mode.
    public static let storeUnavailableStatus = 503
    /// Seconds a client is asked to wait when the shared store is unreachable.
    static let storeUnavailableRetrySeconds = 1

    /// Response header fields: `RateLimit-Policy`, `RateLimit` (draft-ietf-httpapi-ratelimit-headers-10),
    /// `X-RateLimit-Limit/-Remaining/-Reset` (delta seconds), and `Retry-After` on rejections.
    ///
    /// Built per response on the gateway's hot path: the policy's constant texts are precomputed, and
    /// small numbers come from a table of ready strings (each short enough to be stored inline).
    public var headers: [(name: String, value: String)] {
        if rejectionStatus == Self.storeUnavailableStatus, !allowed {
            return [("Retry-After", DecimalText.of(retryAfterSeconds))]
        }
        let remainingText = DecimalText.of(remaining)
        let resetText = DecimalText.of(resetSeconds)
        let rateLimit = DecimalText.field(
            prefix: labels.rateLimitPrefix, remaining, separator: Self.resetParameter, resetSeconds)
        var fields: [(name: String, value: String)] = []
        fields.reserveCapacity(allowed ? Self.allowedFieldCount : Self.allowedFieldCount + 1)
        fields.append(("RateLimit-Policy", labels.policyField))
        fields.append(("RateLimit", rateLimit))
        fields.append(("X-RateLimit-Limit", labels.limitText))
        fields.append(("X-RateLimit-Remaining", remainingText))
        fields.append(("X-RateLimit-Reset", resetText))
        if !allowed { fields.append(("Retry-After", DecimalText.of(retryAfterSeconds))) }
        return fields
    }

    /// Quota fields on an allowed response.
    static let allowedFieldCount = 5
    /// Separates `r` from `t` in the `RateLimit` field.
    static let resetParameter: StaticString = ";t="

    /// The JSON body of a rejection: `{"error":"rate_limited","policy":NAME,"retry_after":S}`.
    public var rejectionBody: String {
        let error = rejectionStatus == Self.storeUnavailableStatus ? "rate_limit_store_unavailable" : "rate_limited"
        return "{\"error\":\"\(error)\",\"policy\":\(JSONString.quote(policy)),\"retry_after\":\(retryAfterSeconds)}"
    }
}
