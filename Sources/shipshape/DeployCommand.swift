import ArgumentParser
import Deploy
import Foundation
import ShipshapeCore

extension ShipshapeCommand {
    /// `shipshape deploy SERVICE --image REF | --version V`: a blue-green deploy; exit 0 only when the new
    /// color serves.
    struct DeployCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "deploy",
            abstract: "Deploy a new version of a service blue-green, with health gate, smoke tests and bake window.")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The service to deploy (a key under `services:`).") var service: String
        @Option(help: "The image to deploy (docker runtime).") var image: String?
        @Option(help: "The version to deploy (process runtime: substituted for {version}).") var version: String?
        @Flag(help: "Switch even if the gateway never reports the new color healthy.") var force = false
        @Flag(help: "Keep the old color running as a healthy standby (rollback is then a plain switch).")
        var keepStandby = false
        @Flag(help: "Print the deploy record as JSON (also when the deploy fails).") var json = false
        @Option(help: "The state directory (default: .shipshape next to the configuration file).")
        var stateDir: String?

        func validate() throws {
            guard (image == nil) != (version == nil) else {
                throw ValidationError("Give exactly one of --image REF (docker) or --version V (process).")
            }
        }

        func run() async throws {
            let session = try await DeploySession.open(
                global: global, serviceName: service, stateDirectory: stateDir, keepStandby: keepStandby,
                imageGiven: image != nil)
            let requested = image ?? version ?? ""
            let outcome: DeployController.Outcome
            do {
                outcome = try await session.controller.deploy(version: requested, force: force)
            } catch {
                await session.close()
                throw DeployFailureOutput.report(error, service: service, version: requested, json: json)
            }
            await session.close()
            if json {
                print(String(decoding: try DeployHistory.makeEncoder().encode(outcome.record), as: UTF8.self))
            } else {
                let record = outcome.record
                let switchTime = outcome.switchMilliseconds.map { String(format: ", switch %.1f ms", $0) } ?? ""
                print(
                    "Deployed \(record.service) \(record.version) to \(record.color?.rawValue ?? "?") in "
                        + "\(String(format: "%.1f", record.durationMilliseconds / 1000)) s\(switchTime).")
            }
        }
    }
}

/// SIGINT/SIGTERM cancel a deploy, which then undoes itself like any failed deploy (see `SignalCancellation`).
extension ShipshapeCommand.DeployCommand: InterruptibleCommand {}

/// What `deploy` and `rollback` print when they fail.
enum DeployFailureOutput {
    /// Prints the failure record on standard output with `--json` (the record the history got, or one made
    /// from the error when none was written, such as a lock refusal), and returns the error to throw. After
    /// SIGINT/SIGTERM the message goes to standard error here, as the signal's own report replaces the error.
    static func report(_ error: any Error, service: String, version: String, json: Bool) -> CLIError {
        let failure = error as? DeployError
        if json {
            let now = Date()
            let record =
                failure?.record
                ?? DeployRecord(
                    service: service, version: version, startedAt: now, finishedAt: now, outcome: .failed,
                    message: (error as? any UserFacingError)?.userMessage ?? "\(error)")
            if let encoded = try? DeployHistory.makeEncoder().encode(record) {
                print(String(decoding: encoded, as: UTF8.self))
            }
        }
        let cliError = CLIError(error)
        if failure?.kind == .interrupted {
            FileHandle.standardError.write(Data("Error: \(cliError.message)\n".utf8))
        }
        return cliError
    }
}
