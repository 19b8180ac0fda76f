/// A service's `healthcheck:`.
public struct ComposeHealthcheck: Sendable, Hashable {
    /// The test (`["CMD", …]`, `["CMD-SHELL", …]`, `["NONE"]`); a string is `CMD-SHELL`.
    public var test: [String]
    /// `interval`, as written.
    public var interval: String?
    /// `timeout`, as written.
    public var timeout: String?
    /// `retries`.
    public var retries: Int?
    /// `start_period`, as written.
    public var startPeriod: String?
    /// `disable: true`, or a test of `NONE`.
    public var disabled: Bool
    /// Where the healthcheck was written.
    public var location: SourceLocation

    /// Parses `healthcheck:`.
    public static func parse(_ node: ComposeNode) -> ComposeHealthcheck {
        var test: [String] = []
        if let items = node["test"]?.sequence {
            test = items.compactMap(\.string)
        } else if let text = node["test"]?.string {
            test = ["CMD-SHELL", text]
        }
        let disabled = node["disable"]?.bool == true || test.first == "NONE"
        return ComposeHealthcheck(
            test: test, interval: node["interval"]?.string, timeout: node["timeout"]?.string,
            retries: node["retries"]?.int, startPeriod: node["start_period"]?.string, disabled: disabled,
            location: node.location)
    }
}
