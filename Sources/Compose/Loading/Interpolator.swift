/// Replaces `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `${VAR?error}`,
/// `${VAR:+alternative}`, `${VAR+alternative}` and `$$` in compose values, as the Compose Specification says.
public struct Interpolator: Sendable {
    /// The variables: the process environment over the project's `.env`.
    public var environment: [String: String]
    /// Variables used but not set (compose substitutes an empty string and warns).
    public private(set) var unsetVariables: Set<String> = []

    /// An interpolator reading `environment`.
    public init(environment: [String: String]) {
        self.environment = environment
    }

    /// Interpolates every scalar value of `node` (mapping keys are left as written).
    public mutating func interpolate(_ node: ComposeNode) throws(ComposeError) -> ComposeNode {
        var result = node
        switch node.kind {
        case .scalar(let text) where text.contains("$"):
            result.kind = .scalar(try interpolate(text, at: node.location))
            result.written = text
        case .sequence(let items):
            var converted: [ComposeNode] = []
            converted.reserveCapacity(items.count)
            for item in items { converted.append(try interpolate(item)) }
            result.kind = .sequence(converted)
        case .mapping(let entries):
            var converted: [ComposeNode.Entry] = []
            converted.reserveCapacity(entries.count)
            for entry in entries {
                // Extension fields (`x-…`) are templates for anchors; compose interpolates them too.
                var copy = entry
                copy.value = try interpolate(entry.value)
                converted.append(copy)
            }
            result.kind = .mapping(converted)
        default:
            break
        }
        return result
    }

    /// Interpolates one string written at `location`.
    public mutating func interpolate(_ text: String, at location: SourceLocation) throws(ComposeError) -> String {
        var output = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            guard character == "$" else {
                output.append(character)
                index = text.index(after: index)
                continue
            }
            let next = text.index(after: index)
            guard next < text.endIndex else {
                output.append("$")
                break
            }
            if text[next] == "$" {
                output.append("$")
                index = text.index(after: next)
            } else if text[next] == "{" {
                guard let close = Self.matchingBrace(in: text, from: next) else {
                    throw ComposeError.invalid(location, "the variable in '\(text)' has no closing '}'")
                }
                let body = String(text[text.index(after: next)..<close])
                output += try expand(body, at: location, original: text)
                index = text.index(after: close)
            } else if Self.isNameStart(text[next]) {
                var end = next
                while end < text.endIndex, Self.isNameCharacter(text[end]) { end = text.index(after: end) }
                let name = String(text[next..<end])
                output += lookup(name) ?? ""
                index = end
            } else {
                output.append("$")
                index = next
            }
        }
        return output
    }

    private mutating func lookup(_ name: String) -> String? {
        if let value = environment[name] { return value }
        unsetVariables.insert(name)
        return nil
    }

    private mutating func expand(_ body: String, at location: SourceLocation, original: String) throws(ComposeError)
        -> String
    {
        var nameEnd = body.startIndex
        while nameEnd < body.endIndex, Self.isNameCharacter(body[nameEnd]) { nameEnd = body.index(after: nameEnd) }
        let name = String(body[body.startIndex..<nameEnd])
        guard !name.isEmpty, let first = name.first, Self.isNameStart(first) else {
            throw ComposeError.invalid(location, "'${\(body)}' in '\(original)' is not a valid variable")
        }
        let rest = body[nameEnd...]
        let value = environment[name]
        if rest.isEmpty {
            return lookup(name) ?? ""
        }
        let operators = [":-", ":?", ":+", "-", "?", "+"]
        guard let op = operators.first(where: { rest.hasPrefix($0) }) else {
            throw ComposeError.invalid(location, "'${\(body)}' in '\(original)' uses an unknown modifier")
        }
        let argument = String(rest.dropFirst(op.count))
        let treatEmptyAsUnset = op.hasPrefix(":")
        let isSet = value != nil && !(treatEmptyAsUnset && value?.isEmpty == true)
        switch op.last {
        case "-":
            return isSet ? (value ?? "") : try interpolate(argument, at: location)
        case "?":
            guard isSet, let value else {
                throw ComposeError.requiredVariable(location, name: name, message: try interpolate(argument, at: location))
            }
            return value
        default:
            return isSet ? try interpolate(argument, at: location) : ""
        }
    }

    private static func matchingBrace(in text: String, from open: String.Index) -> String.Index? {
        var depth = 0
        var index = open
        while index < text.endIndex {
            if text[index] == "{" { depth += 1 }
            if text[index] == "}" {
                depth -= 1
                if depth == 0 { return index }
            }
            index = text.index(after: index)
        }
        return nil
    }

    private static func isNameStart(_ character: Character) -> Bool {
        character == "_" || (character.isASCII && character.isLetter)
    }

    private static func isNameCharacter(_ character: Character) -> Bool {
        character == "_" || (character.isASCII && (character.isLetter || character.isNumber))
    }
}
