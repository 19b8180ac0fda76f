import Yams

/// A node of a configuration document that remembers where it came from, so every error names the file,
/// the line and the key path.
public struct ConfigNode {
    /// The underlying YAML node.
    public let node: Node
    /// The file this node was read from.
    public let file: String
    /// The key path of this node from the document root.
    public let path: [String]

    /// Wraps a YAML node read from `file` at `path`.
    public init(node: Node, file: String, path: [String] = []) {
        self.node = node
        self.file = file
        self.path = path
    }

    /// Parses a YAML document; syntax errors are reported at their line.
    public static func parse(yaml: String, file: String) throws(ConfigError) -> ConfigNode {
        do {
            guard let node = try Yams.compose(yaml: yaml) else {
                return ConfigNode(node: Node([(Node, Node)]()), file: file)
            }
            return ConfigNode(node: node, file: file)
        } catch let error as YamlError {
            throw ConfigError(yamlError: error, file: file)
        } catch {
            throw ConfigError(file: file, line: nil, column: nil, keyPath: "", message: "\(error)")
        }
    }

    /// The dotted key path, such as `gateway.tls.certificates[0].cert`.
    public var keyPath: String { Self.keyPath(path) }

    /// The dotted key path of `components` (`["gateway", "tls", "certificates", "[0]"]` →
    /// `gateway.tls.certificates[0]`).
    public static func keyPath(_ components: [String]) -> String {
        var result = ""
        for component in components {
            if component.hasPrefix("[") || result.isEmpty {
                result += component
            } else {
                result += "." + component
            }
        }
        return result
    }

    /// An error located at this node.
    public func error(_ message: String) -> ConfigError {
        ConfigError(file: file, line: node.mark?.line, column: node.mark?.column, keyPath: keyPath, message: message)
    }

    /// True when the node is an explicit YAML null (`~`, `null` or nothing).
    public var isNull: Bool {
        if case .scalar = node { return node.null != nil }
        return false
    }

    // MARK: - Scalars

    /// The node as a string; numbers and booleans are read as written.
    public func string() throws(ConfigError) -> String {
        guard case .scalar(let scalar) = node, !isNull else { throw error("expected a string") }
        return scalar.string
    }

    /// The node as an integer.
    public func int() throws(ConfigError) -> Int {
        guard let value = node.int else { throw error("expected a whole number, got '\(describe())'") }
        return value
    }

    /// The node as a boolean (`true`/`false`).
    public func bool() throws(ConfigError) -> Bool {
        guard let value = node.bool else { throw error("expected true or false, got '\(describe())'") }
        return value
    }

    /// The node as a duration such as `500ms`, `10s`, `5m` or `1h`.
    public func duration() throws(ConfigError) -> Duration {
        let text = try string()
        guard let value = Duration(configText: text) else {
            throw error("'\(text)' is not a duration; write a number with a unit: 500ms, 10s, 5m, 1h")
        }
        return value
    }

    /// The node as a duration that must be more than zero; `zero` says what a zero would do, for the error.
    public func positiveDuration(zero: String) throws(ConfigError) -> Duration {
        let value = try duration()
        guard value > .zero else { throw error("must be more than 0 (0 would \(zero))") }
        return value
    }

    /// The node as a byte size that must be more than zero; `zero` says what a zero would do, for the error.
    public func positiveByteSize(zero: String) throws(ConfigError) -> ByteSize {
        let value = try byteSize()
        guard value.bytes > 0 else { throw error("must be more than 0 (0 would \(zero))") }
        return value
    }

    /// The node as a byte size such as `16KB`, `10MB` or `1GB`.
    public func byteSize() throws(ConfigError) -> ByteSize {
        let text = try string()
        guard let value = ByteSize(configText: text) else {
            throw error("'\(text)' is not a size; write a number with a unit: 512B, 16KB, 10MB, 1GB")
        }
        return value
    }

    /// The node as a rate such as `10/m`, `100/s` or `unlimited`.
    public func rate() throws(ConfigError) -> Rate {
        let text = try string()
        guard let value = Rate(configText: text) else {
            throw error("'\(text)' is not a rate; write count/period (10/s, 100/m, 1000/h) or 'unlimited'")
        }
        return value
    }

    /// The node as a `host:port` listen or connect address.
    public func hostPort() throws(ConfigError) -> HostPort {
        let text = try string()
        guard let value = HostPort(configText: text) else {
            throw error("'\(text)' is not an address; write host:port such as 0.0.0.0:443 or [::]:80")
        }
        return value
    }

    /// A one-word description of the node for error messages.
    func describe() -> String {
        switch node {
        case .scalar(let scalar): scalar.string
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    // MARK: - Collections

    /// The node as a mapping whose keys must all be in `allowedKeys`; an unknown key is an error with a
    /// "did you mean" suggestion (recorded and skipped while `ConfigDiagnostics` collects every problem).
    public func mapping(allowedKeys: [String]) throws(ConfigError) -> ConfigMapping {
        guard case .mapping(let mapping) = node else { throw error("expected a mapping of keys to values") }
        var entries: [(key: String, keyNode: Node, value: Node)] = []
        for (keyNode, valueNode) in mapping {
            guard case .scalar(let scalar) = keyNode else {
                throw child(keyNode, "?").error("keys must be plain strings")
            }
            let key = scalar.string
            if !allowedKeys.contains(key) {
                var message = "unknown key '\(key)'"
                let suggestion = Suggestion.closest(to: key, among: allowedKeys)
                if let suggestion {
                    message += "; did you mean '\(suggestion)'?"
                } else {
                    message += "; known keys here: \(allowedKeys.sorted().joined(separator: ", "))"
                }
                guard let diagnostics = ConfigDiagnostics.current else { throw child(keyNode, key).error(message) }
                diagnostics.recordUnknownKey(child(keyNode, key).error(message), in: path, suggestion: suggestion)
                continue
            }
            entries.append((key, keyNode, valueNode))
        }
        return ConfigMapping(parent: self, entries: entries)
    }

    /// The node as a mapping with free-form keys (such as service names), in document order.
    public func entries() throws(ConfigError) -> [(key: String, value: ConfigNode)] {
        guard case .mapping(let mapping) = node else { throw error("expected a mapping of names to values") }
        var result: [(key: String, value: ConfigNode)] = []
        for (keyNode, valueNode) in mapping {
            guard case .scalar(let scalar) = keyNode else { throw child(keyNode, "?").error("keys must be strings") }
            result.append((scalar.string, child(valueNode, scalar.string)))
        }
        return result
    }

    /// The node as a list; a single scalar is accepted as a list of one.
    public func list() throws(ConfigError) -> [ConfigNode] {
        switch node {
        case .sequence(let sequence):
            return sequence.enumerated().map { index, element in child(element, "[\(index)]") }
        case .scalar where !isNull:
            return [self]
        default:
            throw error("expected a list")
        }
    }

    /// The node as a list of strings.
    public func stringList() throws(ConfigError) -> [String] {
        var result: [String] = []
        for element in try list() { result.append(try element.string()) }
        return result
    }

    func child(_ node: Node, _ component: String) -> ConfigNode {
        ConfigNode(node: node, file: file, path: path + [component])
    }
}

/// A mapping whose keys have been checked, with typed accessors that keep error locations.
public struct ConfigMapping {
    /// The mapping node itself.
    public let parent: ConfigNode
    let entries: [(key: String, keyNode: Node, value: Node)]

    /// The value under `key`, or nil when the key is absent.
    public subscript(_ key: String) -> ConfigNode? {
        guard let entry = entries.first(where: { $0.key == key }) else { return nil }
        return parent.child(entry.value, key)
    }

    /// True when `key` is present.
    public func contains(_ key: String) -> Bool { entries.contains { $0.key == key } }

    /// The keys present, in document order.
    public var keys: [String] { entries.map(\.key) }

    /// The value under `key`; its absence is an error.
    public func required(_ key: String) throws(ConfigError) -> ConfigNode {
        guard let value = self[key] else {
            throw ConfigDiagnostics.current?.misspelling(of: key, in: parent.path) ?? parent.error("missing required key '\(key)'")
        }
        return value
    }
}

extension ConfigError {
    init(yamlError: YamlError, file: String) {
        switch yamlError {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _):
            let message = context.map { "\($0.text) \(problem)" } ?? problem
            self.init(file: file, line: mark.line, column: mark.column, keyPath: "", message: "invalid YAML: \(message)")
        case .composer(let context, let problem, let mark, _):
            let message = context.map { "\($0.text) \(problem)" } ?? problem
            self.init(file: file, line: mark.line, column: mark.column, keyPath: "", message: "invalid YAML: \(message)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            self.init(
                file: file, line: context.mark.line, column: context.mark.column, keyPath: "",
                message: "duplicate key '\(duplicates.joined(separator: "', '"))' in a mapping")
        default:
            self.init(file: file, line: nil, column: nil, keyPath: "", message: "invalid YAML: \(yamlError)")
        }
    }
}
