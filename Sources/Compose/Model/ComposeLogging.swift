/// A service's `logging:` driver and options.
public struct ComposeLogging: Sendable, Hashable {
    /// The driver; compose's default is `json-file`.
    public var driver: String
    /// The driver options (`max-size`, `max-file`, …).
    public var options: [String: String]

    /// The driver the engine uses when none is set.
    public static let defaultDriver = "json-file"

    /// A value with every field given.
    public init(driver: String, options: [String: String]) {
        self.driver = driver
        self.options = options
    }
}
