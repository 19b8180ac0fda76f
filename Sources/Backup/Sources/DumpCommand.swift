/// A program run to produce (or consume) a dump; secrets travel in `environment`, never in `arguments`.
public struct DumpCommand: Sendable, Equatable {
    /// The program, looked up on PATH.
    public var program: String
    /// Its arguments (never secrets: these are visible in process lists).
    public var arguments: [String]
    /// Extra environment variables, e.g. `PGPASSWORD` (never logged).
    public var environment: [String: String]

    /// A command.
    public init(_ program: String, _ arguments: [String], environment: [String: String] = [:]) {
        self.program = program
        self.arguments = arguments
        self.environment = environment
    }

    /// The command line for messages; the environment is left out because it may hold secrets.
    public var displayed: String { ([program] + arguments).joined(separator: " ") }
}

/// Runs dump and restore commands: locally here, inside a container through Docker exec later.
public protocol DumpCommandRunner: Sendable {
    /// Runs `command` and streams its standard output into `sink` (without finishing it).
    func stream(_ command: DumpCommand, into sink: any ByteSink) async throws
    /// Starts `command` and returns a sink feeding its standard input; `finish` waits for it to succeed.
    func startWithInput(_ command: DumpCommand) async throws -> any ByteSink
    /// Runs `command` and returns its standard output as text (for small queries).
    func capture(_ command: DumpCommand) async throws -> String
}
