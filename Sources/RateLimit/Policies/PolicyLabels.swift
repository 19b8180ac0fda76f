/// A policy's name and its precomputed header texts; decisions hold one reference to it.
final class PolicyLabels: Sendable {
    /// The policy's name.
    let name: String
    /// The name as an RFC 8941 sf-string, e.g. `"api"`.
    let quotedName: String
    /// The `RateLimit-Policy` value, e.g. `"api";q=100;w=60`.
    let policyField: String
    /// The constant start of the `RateLimit` value, e.g. `"api";r=`, in UTF-8: only the two numbers are
    /// formatted per response.
    let rateLimitPrefix: [UInt8]
    /// The `X-RateLimit-Limit` value.
    let limitText: String

    init(name: String, quotedName: String, policyField: String, limit: Int) {
        self.name = name
        self.quotedName = quotedName
        self.policyField = policyField
        rateLimitPrefix = Array((quotedName + ";r=").utf8)
        limitText = String(limit)
    }
}
