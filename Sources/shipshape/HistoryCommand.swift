import ArgumentParser
import Deploy
import Foundation
import ShipshapeCore

extension ShipshapeCommand {
    /// `shipshape history [SERVICE]`: past deploys with their steps' durations and why any failed.
    struct HistoryCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "history",
            abstract: "Show past deploys: when, version, outcome, and how long each step took.")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "Only this service's deploys.") var service: String?
        @Option(help: "At most this many deploys, newest first.") var limit: Int?
        @Flag(help: "Print the records as a JSON array.") var json = false
        @Option(help: "The state directory (default: .shipshape next to the configuration file).")
        var stateDir: String?

        func run() async throws {
            let configuration = try global.loadConfiguration()
            let directory = configuration.resolve(stateDir ?? DeploySettings.defaultStateDirectoryName)
            let history = DeployHistory(path: "\(directory)/\(DeployHistory.defaultFileName)")
            let records: [DeployRecord]
            do { records = try history.records(service: service, limit: limit) } catch { throw CLIError(error) }
            if json {
                print(String(decoding: try DeployHistory.makeEncoder().encode(records), as: UTF8.self))
            } else {
                print(DeployHistory.render(records), terminator: "")
            }
        }
    }
}
