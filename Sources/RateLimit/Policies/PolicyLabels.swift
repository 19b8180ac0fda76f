/// A policy's name and its precomputed header texts; decisions hold one reference to it.
final class PolicyLabels: Sendable {
    /// The policy's name.
    let name: String
    /// The name as an RFC 8941 sf-string, e.g. `"api"`.
    let quotedName: String
    /// The `RateLimit-Policy` value, e.g. `"api";q=100;w=60`.
    let policyField: String

    init(name: String, quotedName: String, policyField: String) {
        self.name = name
        self.quotedName = quotedName
        self.policyField = policyField
    }
}
