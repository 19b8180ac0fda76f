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
            Config.self,
            Backup.self,
        ]
    )
}
