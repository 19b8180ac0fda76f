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

        func validate() throws {
            if let limit, limit < 1 {
                throw ValidationError("--limit must be 1 or more (leave it out to show every deploy).")
            }
        }

        func run() async throws {
            let configuration = try global.loadConfiguration()
            let directory = configuration.resolve(stateDir ?? DeploySettings.defaultStateDirectoryName)
            let history = DeployHistory(path: "\(directory)/\(DeployHistory.defaultFileName)")
            let contents: DeployHistory.Contents
            do { contents = try history.read() } catch { throw CLIError(error) }
            if !contents.damagedLines.isEmpty {
                let count = contents.damagedLines.count
                let lines = contents.damagedLines.prefix(Self.quotedLineNumbers).map(String.init).joined(separator: ", ")
                FileHandle.standardError.write(
                    Data(
                        """
                        Warning: \(count) line\(count == 1 ? "" : "s") of \(history.path) cannot be read and \
                        \(count == 1 ? "is" : "are") left out (line \(lines)\(count > Self.quotedLineNumbers ? ", …" : "")): \
                        a write cut short or a hand edit. Move \(count == 1 ? "it" : "them") aside to silence this.

                        """.utf8))
            }
            let matching = contents.records.filter { service == nil || $0.service == service }.reversed()
            let records = Array(limit.map { matching.prefix($0) } ?? matching[...])
            if let service, records.isEmpty, configuration.services[service] == nil {
                throw unknownService(service, configuration)
            }
            if json {
                print(String(decoding: try DeployHistory.makeEncoder().encode(records), as: UTF8.self))
            } else if let service, records.isEmpty {
                print("No deploys of '\(service)' recorded yet.")
            } else {
                print(DeployHistory.render(records), terminator: "")
            }
        }

        /// Line numbers of damaged lines named in the warning.
        static let quotedLineNumbers = 5

        func unknownService(_ name: String, _ configuration: ShipshapeConfiguration) -> CLIError {
            let names = configuration.services.keys.sorted()
            let guess = Suggestion.closest(to: name, among: names).map { " Did you mean '\($0)'?" } ?? ""
            return CLIError(
                message: """
                    No deploys of '\(name)' are recorded, and there is no service '\(name)' in \(configuration.file); \
                    known: \(names.joined(separator: ", ")).\(guess)
                    """)
        }
    }
}
