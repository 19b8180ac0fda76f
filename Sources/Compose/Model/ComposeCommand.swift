/// A `command:` or `entrypoint:`: a shell string or an exec list.
public enum ComposeCommand: Sendable, Hashable {
    /// A string, split by the engine like a shell would.
    case shell(String)
    /// A list of arguments.
    case exec([String])

    /// Parses a command value.
    static func parse(_ node: ComposeNode) -> ComposeCommand? {
        if let text = node.string { return .shell(text) }
        if let items = node.sequence { return .exec(items.compactMap(\.string)) }
        return nil
    }
}
