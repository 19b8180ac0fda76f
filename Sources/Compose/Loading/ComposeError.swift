import ShipshapeCore
import Yams

/// Why a compose project could not be loaded: always names the file and line, and what to do.
public enum ComposeError: UserFacingError, Equatable {
    /// A compose file does not exist or cannot be read.
    case unreadable(file: String, reason: String)
    /// A value is not what the Compose Specification allows here.
    case invalid(SourceLocation, String)
    /// `${VAR:?message}` or `${VAR?message}` met an unset (or empty) variable.
    case requiredVariable(SourceLocation, name: String, message: String)
    /// No compose file was given and none of the default names exists.
    case noComposeFile(directory: String)

    /// A YAML syntax error, at its line.
    static func yaml(file: String, error: YamlError, text: String) -> ComposeError {
        if case .duplicatedKeysInMapping(let duplicates, let context) = error, let key = duplicates.sorted().first {
            // Yams names the mapping; the second spelling of the key, at the mapping's indentation, is the mistake.
            let indentation = String(repeating: " ", count: max(context.mark.column - 1, 0))
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            let spellings = [key, "\"\(key)\"", "'\(key)'"].map { indentation + $0 + ":" }
            let found = lines.indices.filter { index in
                index + 1 >= context.mark.line && spellings.contains { lines[index].hasPrefix($0) }
                    && !lines[index].dropFirst(indentation.count).hasPrefix(" ")
            }
            let line = found.count > 1 ? found[1] + 1 : context.mark.line
            return .invalid(
                SourceLocation(file: file, line: line, column: context.mark.column),
                "the key '\(key)' is written twice in this mapping")
        }
        if case .scanner(_, let problem, let mark, _) = error {
            return .invalid(SourceLocation(file: file, line: mark.line, column: mark.column), "YAML syntax: \(problem)")
        }
        if case .parser(_, let problem, let mark, _) = error {
            return .invalid(SourceLocation(file: file, line: mark.line, column: mark.column), "YAML syntax: \(problem)")
        }
        if case .composer(_, let problem, let mark, _) = error {
            return .invalid(SourceLocation(file: file, line: mark.line, column: mark.column), "YAML: \(problem)")
        }
        return .invalid(SourceLocation(file: file, line: 1), "YAML: \(error)")
    }

    /// Where the problem is, when it has a place.
    public var location: SourceLocation? {
        switch self {
        case .invalid(let location, _), .requiredVariable(let location, _, _): location
        case .unreadable(let file, _): SourceLocation(file: file, line: 1)
        case .noComposeFile: nil
        }
    }

    /// The one-paragraph explanation.
    public var userMessage: String {
        switch self {
        case .unreadable(let file, let reason):
            "\(file): cannot read the compose file (\(reason)). Check the path given with -f or in the compose: list of shipshape.yml."
        case .invalid(let location, let message):
            "\(location): \(message)\(message.hasSuffix("?") || message.hasSuffix(".") ? "" : ".") Fix the compose file at that line; `docker compose config` shows the same rules."
        case .requiredVariable(let location, let name, let message):
            "\(location): the variable \(name) is required\(message.isEmpty ? "" : ": \(message)"). Set it in the environment or in .env next to the compose file."
        case .noComposeFile(let directory):
            "no compose file found in \(directory) (looked for compose.yaml, compose.yml, docker-compose.yml, docker-compose.yaml). Pass one with -f or list it under compose: in shipshape.yml."
        }
    }
}
