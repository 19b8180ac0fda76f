/// One variable of a service's `environment:`.
public struct ComposeEnvironmentVariable: Sendable, Hashable {
    /// The name.
    public var name: String
    /// The value after interpolation; nil when taken from the shell (`- NAME`).
    public var value: String?
    /// Where the variable was written.
    public var location: SourceLocation
}
