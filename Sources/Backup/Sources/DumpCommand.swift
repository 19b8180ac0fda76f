/// A program run to produce (or consume) a dump; secrets travel in `environment`, never in `arguments`.
public struct DumpCommand: Sendable, Equatable {
    /// The program, looked up on PATH.
    public var program: String
    /// Its arguments (never secrets: these are visible in process lists).
    public var arguments: [String]
    /// Extra environment variables, e.g. `PGPASSWORD` (never logged).
    public var environment: [String: String]
    /// Exit statuses besides 0 that still mean success, with warnings on standard error (GNU tar's 1: a file
    /// changed while it was read, and was archived as read). They are logged as warnings, not failures.
    public var warningExitStatuses: Set<Int32> = []

    /// A command.
    public init(_ program: String, _ arguments: [String], environment: [String: String] = [:]) {
        self.program = program
        self.arguments = arguments
        self.environment = environment
    }

    /// Arguments shown in messages at most; the rest is `…`.
    static let displayedArguments = 4
    /// A longer argument (a path, a query) ends the shown part of the command.
    static let displayedArgumentLength = 40

    /// A short form of the command for messages: the program and its first few short options, never a SQL body
    /// (`psql -X -v ON_ERROR_STOP=1 …`). The environment is left out because it may hold secrets.
    public var displayed: String {
        var shown = [program]
        for argument in arguments {
            let isBody = argument == "-c" || argument == "--command" || argument.contains(where: \.isWhitespace)
            guard shown.count <= Self.displayedArguments, !isBody, argument.count <= Self.displayedArgumentLength else {
                shown.append("…")
                break
            }
            shown.append(argument)
        }
        return shown.joined(separator: " ")
    }

    /// What to check when the command fails, for its tool.
    var failureHint: String {
        switch program {
        case "pg_dump", "pg_dumpall", "psql":
            return "Check that the PostgreSQL server is reachable and the user and password_file are right; no backup was changed."
        case "pg_restore":
            return "pg_restore stops at its first error (above); the database it restored into was dropped and no backup was changed."
        case "redis-cli":
            return "Check that Redis is reachable and its password_file is right; no backup was changed."
        case "tar" where arguments.contains("--extract"):
            return "Check that the restore directory is writable (restoring owners needs root); what was extracted was removed."
        case "tar":
            return "Check that the paths exist and this user can read them; no backup was changed."
        default:
            return "See the tool's message above; no backup was changed."
        }
    }
}

/// Runs dump and restore commands: as local child processes, or inside a container through Docker exec.
public protocol DumpCommandRunner: Sendable {
    /// Runs `command` and streams its standard output into `sink` (without finishing it).
    func stream(_ command: DumpCommand, into sink: any ByteSink) async throws
    /// Runs `command` while `body` writes its standard input through the sink it is given (`finish` closes
    /// it); returns `body`'s result once the command has exited successfully.
    func feed<Result>(_ command: DumpCommand, _ body: (any ByteSink) async throws -> Result) async throws -> Result
    /// Runs `command` and returns its standard output as text (for small queries).
    func capture(_ command: DumpCommand) async throws -> String
}

extension DumpCommandRunner {
    /// The most `capture` keeps: query results and version strings, never dumps.
    static var captureLimit: Int { 16 << 20 }

    /// Streams into memory, refusing more than `captureLimit` bytes.
    public func capture(_ command: DumpCommand) async throws -> String {
        let output = CollectingSink(limit: Self.captureLimit)
        try await stream(command, into: output)
        return String(decoding: output.bytes, as: UTF8.self)
    }
}
