import ArgumentParser
import Foundation
import ShipshapeCore

extension ShipshapeCommand {
    /// `shipshape config …`: work with `shipshape.yml`.
    struct Config: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "config",
            abstract: "Work with shipshape.yml.",
            subcommands: [Check.self]
        )
    }
}

extension ShipshapeCommand.Config {
    /// `shipshape config check`: validate the configuration; errors name file:line and the key.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Validate the configuration file.")

        @OptionGroup var global: GlobalOptions
        @Flag(help: "Print the result as JSON.") var json = false

        func run() async throws {
            do {
                let configuration = try ShipshapeConfiguration.load(path: global.config)
                if json {
                    print(#"{"valid":true,"file":"\#(configuration.file)","services":\#(configuration.services.count)}"#)
                } else {
                    let services = configuration.services.keys.sorted().joined(separator: ", ")
                    print("\(configuration.file): OK — project \(configuration.project), services: \(services)")
                }
            } catch {
                if json {
                    var line = JSONLineWriter()
                    line.field("valid", raw: "false")
                    line.field("file", string: error.file)
                    if let lineNumber = error.line { line.field("line", int: lineNumber) }
                    line.field("key", string: error.keyPath)
                    line.field("message", string: error.message)
                    print(line.finish())
                    throw ExitCode.failure
                }
                throw CLIError(error)
            }
        }
    }
}
