import ArgumentParser
import ShipshapeCore

#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
@preconcurrency import Darwin
#endif

/// The `shipshape` command: routes to subcommands, one per file.
@main
struct ShipshapeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shipshape",
        abstract: "Take a Docker Compose app to production: gateway, deploys, backups, audit, status.",
        version: ShipshapeVersion.current,
        subcommands: [
            Demo.self,
            Run.self,
            Proxy.self,
            Config.self,
            DemoAppCommand.self,
            AuditProject.self, Harden.self, Secrets.self,
            Backup.self,
            DeployCommand.self, RollbackCommand.self, HistoryCommand.self, StatusCommand.self,
        ]
    )

    /// Standard output is line-buffered even into a pipe or a file, so the lines of a long-running command
    /// (the demo's URLs, deploy steps, backup progress) appear as they are printed, in order with the log lines
    /// written straight to the descriptor, instead of all at exit.
    static func main() async {
        setvbuf(stdout, nil, _IOLBF, 0)
        do {
            try await execute(try parseAsRoot())
        } catch {
            exit(withError: error)
        }
    }

    /// Runs the parsed command; one-shot commands that clean up after themselves are cancelled by signals.
    nonisolated static func execute(_ parsed: sending any ParsableCommand) async throws {
        var command = parsed
        if var asyncCommand = command as? any AsyncParsableCommand {
            if asyncCommand is any InterruptibleCommand {
                try await SignalCancellation.run(asyncCommand)
            } else {
                try await asyncCommand.run()
            }
        } else {
            try command.run()
        }
    }
}
