/// A YAML value harden writes: block style, with comments that explain each change and the `!reset`
/// and `!override` tags of the compose merge rules.
indirect enum YAMLValue: Sendable {
    /// A string, quoted when YAML would read it as something else.
    case string(String)
    /// A number or boolean written as is.
    case literal(String)
    /// A list.
    case list([YAMLValue])
    /// A mapping; each entry may carry a comment written above it.
    case map([(key: String, value: YAMLValue, comment: String?)])
    /// A value with a tag (`!reset`, `!override`).
    case tagged(String, YAMLValue)
    /// Null.
    case null

    /// The YAML text of a top-level mapping.
    func render() -> String {
        var output = ""
        write(into: &output, indent: 0)
        return output
    }

    private var isBlock: Bool {
        switch self {
        case .list(let items): !items.isEmpty
        case .map(let entries): !entries.isEmpty
        case .tagged(_, let value): value.isBlock
        default: false
        }
    }

    private func inline() -> String {
        switch self {
        case .string(let text): Self.quoted(text)
        case .literal(let text): text
        case .list: "[]"
        case .map: "{}"
        case .tagged(let tag, let value): "\(tag) \(value.inline())"
        case .null: "null"
        }
    }

    private func write(into output: inout String, indent: Int) {
        let pad = String(repeating: " ", count: indent)
        switch self {
        case .map(let entries):
            for entry in entries {
                if let comment = entry.comment {
                    for line in comment.split(separator: "\n") { output += "\(pad)# \(line)\n" }
                }
                output += pad + Self.key(entry.key) + ":"
                entry.value.writeValue(into: &output, indent: indent)
            }
        case .list(let items):
            for item in items {
                output += pad + "-"
                if item.isBlock, case .map = item {
                    output += "\n"
                    item.write(into: &output, indent: indent + 2)
                } else {
                    item.writeValue(into: &output, indent: indent)
                }
            }
        default:
            output += pad + inline() + "\n"
        }
    }

    /// Writes the value after `key:` or `-`.
    private func writeValue(into output: inout String, indent: Int) {
        if case .tagged(let tag, let inner) = self, inner.isBlock {
            output += " \(tag)\n"
            inner.write(into: &output, indent: indent + 2)
        } else if isBlock {
            output += "\n"
            write(into: &output, indent: indent + 2)
        } else {
            output += " " + inline() + "\n"
        }
    }

    private static func key(_ text: String) -> String {
        text.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." } ? text : quoted(text)
    }

    /// Always double-quoted: compose files mix ports, versions and booleans that YAML 1.1 misreads.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for character in text {
            switch character {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            default: result.append(character)
            }
        }
        return result + "\""
    }
}
