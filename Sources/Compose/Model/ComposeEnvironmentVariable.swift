/// One variable of a service's `environment:`.
public struct ComposeEnvironmentVariable: Sendable, Hashable {
    /// The name.
    public var name: String
    /// The value after interpolation; nil when taken from the shell (`- NAME`).
    public var value: String?
    /// The value as written in the file, before interpolation (`${DB_PASSWORD}`).
    public var written: String?
    /// Where the variable was written.
    public var location: SourceLocation

    /// A value with every field given.
    public init(name: String, value: String?, written: String?, location: SourceLocation) {
        self.name = name
        self.value = value
        self.written = written
        self.location = location
    }
}
