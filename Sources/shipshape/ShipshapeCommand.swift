import ArgumentParser
import ShipshapeCore

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
}
