/// A service's use of a top-level secret or config (`secrets: [db_password]` or the long syntax).
public struct ComposeReference: Sendable, Hashable {
    /// The top-level secret or config name.
    public var source: String
    /// The file name inside the container, when set.
    public var target: String?
    /// Where the reference was written.
    public var location: SourceLocation

    /// A value with every field given.
    public init(source: String, target: String?, location: SourceLocation) {
        self.source = source
        self.target = target
        self.location = location
    }
}
