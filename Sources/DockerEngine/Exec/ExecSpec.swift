/// A command to run inside a running container.
public struct ExecSpec: Sendable, Hashable {
    /// The program and its arguments.
    public var command: [String]
    /// Extra `NAME=value` environment entries (how secrets reach the command: never argv).
    public var environment: [String]
    /// The user to run as, nil for the container's.
    public var user: String?
    /// The working directory, nil for the container's.
    public var workingDirectory: String?

    /// A command with optional environment, user and working directory.
    public init(command: [String], environment: [String] = [], user: String? = nil, workingDirectory: String? = nil) {
        self.command = command
        self.environment = environment
        self.user = user
        self.workingDirectory = workingDirectory
    }

    var createBody: JSONValue {
        var body: [String: JSONValue] = [
            "Cmd": .strings(command), "AttachStdout": .bool(true), "AttachStderr": .bool(true),
            "AttachStdin": .bool(false), "Tty": .bool(false),
        ]
        if !environment.isEmpty { body["Env"] = .strings(environment) }
        if let user { body["User"] = .string(user) }
        if let workingDirectory { body["WorkingDir"] = .string(workingDirectory) }
        return .object(body)
    }
}

/// What `GET /exec/{id}/json` reports.
public struct ExecDetails: Sendable, Decodable, Hashable {
    /// True while the command runs.
    public let running: Bool
    /// Its exit code once finished.
    public let exitCode: Int?

    enum CodingKeys: String, CodingKey {
        case running = "Running"
        case exitCode = "ExitCode"
    }
}

/// The collected output of a finished command.
public struct ExecResult: Sendable, Hashable {
    /// The exit code.
    public var exitCode: Int
    /// Standard output (up to the collection limit).
    public var stdout: String
    /// Standard error (up to the collection limit).
    public var stderr: String
}
