import ArgumentParser
import Backup
import Gateway
import NIOCore
import Logging
import NIOPosix
import ServiceLifecycle
import ShipshapeCore

extension ShipshapeCommand {
    /// `shipshape proxy`: the gateway and its admin API only.
    struct Proxy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the edge gateway and its admin API alone (no backup scheduler: that is `run`).")

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            JSONLogHandler.bootstrap()
            ShipshapeMetrics.bootstrap()
            let configuration = try global.loadConfiguration()
            try await GatewayRunner.run(configuration: configuration, extraServices: [])
        }
    }

    /// `shipshape run`: the gateway plus everything that runs beside it.
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the gateway (with its health checks) and admin API, and the backup scheduler.")

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            JSONLogHandler.bootstrap()
            ShipshapeMetrics.bootstrap()
            var configuration = try global.loadConfiguration()
            if !configuration.proxiesTraffic {
                // Nothing to proxy (a file with only backup:): no public listener, the admin API and metrics only.
                (configuration.gateway.http, configuration.gateway.https) = (nil, nil)
                Logger(label: "shipshape.run").info("no routes or services: no HTTP listener, the admin socket and metrics only")
            }
            var services: [any Service] = []
            if configuration.backup != nil {
                do {
                    services.append(try BackupScheduler(settings: BackupSettings(configuration)))
                } catch {
                    throw CLIError(error)
                }
            }
            try await GatewayRunner.run(configuration: configuration, independentServices: services)
        }
    }
}

/// Builds the service group for `proxy`, `run` and `demo`.
enum GatewayRunner {
    /// Runs the gateway with services beside it. `extraServices` use the gateway (the demo's deploy show), so they
    /// stop before it drains; `independentServices` (the backup scheduler) do not, so they are listed first and
    /// swift-service-lifecycle, which shuts services down one after the other in reverse order, drains the gateway
    /// at once on SIGTERM rather than after a backup job that may run for many minutes.
    static func run(
        configuration: ShipshapeConfiguration, independentServices: [any Service] = [], extraServices: [any Service] = []
    ) async throws {
        let logger = Logger(label: "shipshape.gateway")
        let gateway: Gateway
        do {
            let group: any EventLoopGroup = configuration.gateway.threads.map { MultiThreadedEventLoopGroup(numberOfThreads: $0) }
                ?? MultiThreadedEventLoopGroup.singleton
            gateway = try Gateway(configuration: configuration, logger: logger, group: group)
        } catch {
            throw CLIError(error)
        }
        let group = ServiceGroup(
            configuration: .init(
                // Helpers beside the gateway (the backup scheduler) never take the gateway down with them.
                services: independentServices.map(Self.helper) + [.init(service: gateway)] + extraServices.map(Self.helper),
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        do {
            try await group.run()
        } catch {
            throw CLIError(error)
        }
    }

    private static func helper(_ service: any Service) -> ServiceGroupConfiguration.ServiceConfiguration {
        .init(service: service, successTerminationBehavior: .ignore, failureTerminationBehavior: .ignore)
    }
}
