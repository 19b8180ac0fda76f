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
    static func yaml(file: String, error: YamlError) -> ComposeError {
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
            "\(location): \(message). Fix the compose file at that line; `docker compose config` shows the same rules."
        case .requiredVariable(let location, let name, let message):
            "\(location): the variable \(name) is required\(message.isEmpty ? "" : ": \(message)"). Set it in the environment or in .env next to the compose file."
        case .noComposeFile(let directory):
            "no compose file found in \(directory) (looked for compose.yaml, compose.yml, docker-compose.yml, docker-compose.yaml). Pass one with -f or list it under compose: in shipshape.yml."
        }
    }
}
