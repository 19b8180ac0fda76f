/// A problem in a configuration file, located by file, line, column and key path.
public struct ConfigError: UserFacingError, Equatable {
    /// The file the problem is in.
    public var file: String
    /// The 1-based line of the offending node, when known.
    public var line: Int?
    /// The 1-based column of the offending node, when known.
    public var column: Int?
    /// The dotted key path, such as `gateway.limits.header_timeout`.
    public var keyPath: String
    /// What is wrong, in a short sentence.
    public var message: String

    /// Creates an error at a location.
    public init(file: String, line: Int?, column: Int?, keyPath: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.keyPath = keyPath
        self.message = message
    }

    /// `file:line:column`, as editors and CI annotations understand it.
    public var location: String {
        switch (line, column) {
        case let (line?, column?): "\(file):\(line):\(column)"
        case let (line?, nil): "\(file):\(line)"
        default: file
        }
    }

    public var userMessage: String {
        keyPath.isEmpty ? "\(location): \(message)" : "\(location): \(keyPath): \(message)"
    }
}
