import ArgumentParser
import ShipshapeCore

/// Flags every command shares.
struct GlobalOptions: ParsableArguments {
    @Option(name: [.short, .customLong("config")], help: "The configuration file.")
    var config: String = ShipshapeConfiguration.defaultFileName

    /// Loads the configuration, turning errors into the one-paragraph CLI form.
    func loadConfiguration() throws -> ShipshapeConfiguration {
        do {
            return try ShipshapeConfiguration.load(path: config)
        } catch {
            throw CLIError(error)
        }
    }
}

/// An error printed as its user message, with no stack-trace noise, and exit status 1.
struct CLIError: Error, CustomStringConvertible {
    let message: String

    init(_ error: any Error) {
        message = (error as? any UserFacingError)?.userMessage ?? "\(error)"
    }

    init(message: String) { self.message = message }

    var description: String { message }
}
