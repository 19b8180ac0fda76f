import ArgumentParser
import AsyncHTTPClient
import Foundation
import Monitor
import ShipshapeCore

extension ShipshapeCommand {
    /// `shipshape status [--json]`: services, certificates, disk and backups at a glance.
    struct StatusCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "status",
            abstract: "Show the health of every service, certificate expiry, free disk and the newest backup.",
            discussion: "Exit status: 0 when everything is fine, 1 on a warning, 2 when something is critical, 3 when "
                + "nothing could be checked (the configuration cannot be read) — the monitoring-plugin convention, so a "
                + "cron job or a Nagios-style check can call it.")

        @OptionGroup var global: GlobalOptions
        @Flag(help: "Print the report as JSON.") var json = false

        func run() async throws {
            let report: StatusReport
            do {
                let configuration = try global.loadConfiguration()
                let http = HTTPClient(eventLoopGroupProvider: .singleton)
                report = await StatusCollector(configuration: configuration, httpClient: http).collect()
                try? await http.shutdown()
            } catch {
                // Nothing could be checked: UNKNOWN (3) for the monitor, not a mere warning, and a report all the same.
                report = StatusReport(checks: [
                    .init(kind: "config", name: global.config, level: .unknown, detail: "\(error)")
                ])
            }
            if json {
                print(try report.json())
            } else {
                let colors = isatty(STDOUT_FILENO) == 1 && (ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty
                print(report.text(colors: colors))
            }
            if report.level != .ok { throw ExitCode(report.level.exitCode) }
        }
    }
}
