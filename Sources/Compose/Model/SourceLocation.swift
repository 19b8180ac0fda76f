/// Where a value was written: the file, and the 1-based line and column.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    /// The file the value was read from, as given to the loader.
    public var file: String
    /// The 1-based line.
    public var line: Int
    /// The 1-based column.
    public var column: Int

    /// A location in `file` at `line` and `column`.
    public init(file: String, line: Int, column: Int = 1) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line`, the form editors and CI annotations understand.
    public var description: String { "\(file):\(line)" }

    /// `file:line` with the file relative to `directory` when it lies under it: how a report shows a location
    /// to someone working in that directory (`docker-compose.yml:16`, not the absolute path).
    public func description(relativeTo directory: String) -> String {
        Self.relativePath(file, to: directory).map { "\($0):\(line)" } ?? description
    }

    /// `path` relative to `directory` when it lies under it, else nil.
    public static func relativePath(_ path: String, to directory: String) -> String? {
        let root = directory.hasSuffix("/") ? directory : directory + "/"
        return path.hasPrefix(root) ? String(path.dropFirst(root.count)) : nil
    }
}
