/// A YAML value of a compose file that remembers where it was written, so findings and errors can name
/// file and line even after several files are merged.
public struct ComposeNode: Sendable {
    /// The shape of a node.
    public enum Kind: Sendable {
        /// `null`, `~` or nothing.
        case null
        /// A scalar as written (numbers and booleans keep their text).
        case scalar(String)
        /// A list.
        case sequence([ComposeNode])
        /// A mapping, in document order.
        case mapping([Entry])
    }

    /// One key of a mapping.
    public struct Entry: Sendable {
        /// The key.
        public var key: String
        /// The value.
        public var value: ComposeNode
        /// Where the key was written (the value's place when the entry was made by the loader).
        public var keyLocation: SourceLocation

        /// An entry of `key` to `value`.
        public init(key: String, value: ComposeNode, keyLocation: SourceLocation? = nil) {
            self.key = key
            self.value = value
            self.keyLocation = keyLocation ?? value.location
        }
    }

    /// How an override file asks a value to be merged (`!reset`, `!override`).
    public enum MergeDirective: Sendable {
        /// `!reset`: remove the value inherited from earlier files.
        case reset
        /// `!override`: replace the inherited value instead of merging with it.
        case override
    }

    /// The value.
    public var kind: Kind
    /// Where the value was written.
    public var location: SourceLocation
    /// The merge directive tagged on this value, if any.
    public var directive: MergeDirective?
    /// True when the scalar was quoted, so `"true"` stays a string.
    public var isQuoted: Bool
    /// The scalar as written before interpolation, when interpolation changed it.
    public var written: String?

    /// A node of `kind` written at `location`.
    public init(_ kind: Kind, at location: SourceLocation, directive: MergeDirective? = nil, isQuoted: Bool = false) {
        self.kind = kind
        self.location = location
        self.directive = directive
        self.isQuoted = isQuoted
    }

    // MARK: - Reading

    /// The scalar text, or nil for other kinds.
    public var string: String? {
        if case .scalar(let text) = kind { return text }
        return nil
    }

    /// The scalar as an integer.
    public var int: Int? { string.flatMap { Int($0) } }

    /// The scalar as a number.
    public var double: Double? { string.flatMap { Double($0) } }

    /// The scalar as a boolean (YAML 1.1 and 1.2 spellings).
    public var bool: Bool? {
        switch string?.lowercased() {
        case "true", "yes", "on": true
        case "false", "no", "off": false
        default: nil
        }
    }

    /// True for an explicit null.
    public var isNull: Bool {
        if case .null = kind { return true }
        return false
    }

    /// The items of a sequence, or nil.
    public var sequence: [ComposeNode]? {
        if case .sequence(let items) = kind { return items }
        return nil
    }

    /// The entries of a mapping, or nil.
    public var entries: [Entry]? {
        if case .mapping(let entries) = kind { return entries }
        return nil
    }

    /// The value of `key` in a mapping.
    public subscript(key: String) -> ComposeNode? {
        guard case .mapping(let entries) = kind else { return nil }
        return entries.first { $0.key == key }?.value
    }

    /// Where `key` was written in a mapping.
    public func keyLocation(of key: String) -> SourceLocation? {
        entries?.first { $0.key == key }?.keyLocation
    }

    /// The scalars of a list, or a single scalar as a one-item list.
    public var strings: [String] {
        switch kind {
        case .scalar(let text): [text]
        case .sequence(let items): items.compactMap(\.string)
        default: []
        }
    }

    /// Sets or replaces `key` in a mapping (appending new keys at the end).
    public mutating func set(_ key: String, _ value: ComposeNode) {
        guard case .mapping(var entries) = kind else { return }
        if let index = entries.firstIndex(where: { $0.key == key }) {
            entries[index].value = value
        } else {
            entries.append(Entry(key: key, value: value))
        }
        kind = .mapping(entries)
    }

    /// Removes `key` from a mapping.
    public mutating func remove(_ key: String) {
        guard case .mapping(let entries) = kind else { return }
        kind = .mapping(entries.filter { $0.key != key })
    }
}
