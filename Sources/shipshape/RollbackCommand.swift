import ArgumentParser
import Deploy
import Foundation

extension ShipshapeCommand {
    /// `shipshape rollback SERVICE`: switch back to the previous color.
    struct RollbackCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rollback",
            abstract: "Switch a service back to its previous color (restarting it first if it was stopped), then retire the color it left.")

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The service to roll back.") var service: String
        @Flag(help: "Keep the color left running as a healthy standby after its drain (else it is stopped).")
        var keepStandby = false
        @Flag(help: "Print the rollback record as JSON (also when it fails).") var json = false
        @Option(help: "The state directory (default: .shipshape next to the configuration file).")
        var stateDir: String?

        func run() async throws {
            let session = try await DeploySession.open(
                global: global, serviceName: service, stateDirectory: stateDir, keepStandby: keepStandby)
            let outcome: Rollback.Outcome
            do {
                outcome = try await Rollback(controller: session.controller).run()
            } catch {
                await session.close()
                throw DeployFailureOutput.report(error, service: service, version: "-", json: json)
            }
            await session.close()
            if json {
                print(String(decoding: try DeployHistory.makeEncoder().encode(outcome.record), as: UTF8.self))
            } else {
                print(
                    "Rolled back \(service) to \(outcome.record.color?.rawValue ?? "?") (\(outcome.record.version)) in "
                        + String(format: "%.0f ms", outcome.milliseconds)
                        + (outcome.restarted ? " (restarted it first)." : "."))
            }
        }
    }
}

/// SIGINT/SIGTERM cancel a rollback: before the switch a color it started is stopped again; during the drain
/// the wait is cut short and the color left is still retired (see `SignalCancellation`).
extension ShipshapeCommand.RollbackCommand: InterruptibleCommand {}
