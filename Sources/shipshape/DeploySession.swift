import AsyncHTTPClient
import Compose
import Deploy
import DockerEngine
import Foundation
import Logging
import ShipshapeCore

/// What `deploy` and `rollback` share: the configuration's service, its runtime, an HTTP client, and the
/// controller built from them; `close()` releases the clients.
struct DeploySession {
    let controller: DeployController
    let httpClient: HTTPClient
    let docker: DockerClient?

    /// Builds the session for `serviceName`, logging JSON lines to standard error (standard output is for
    /// the result, so `--json` stays parseable).
    /// `imageGiven` (deploy only) says whether `--image` or `--version` was given: each fits one runtime.
    static func open(
        global: GlobalOptions, serviceName: String, stateDirectory: String?, keepStandby: Bool = false,
        imageGiven: Bool? = nil
    ) async throws -> DeploySession {
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, sink: .standardError) }
        let configuration = try global.loadConfiguration()
        guard let service = configuration.services[serviceName] else {
            let names = configuration.services.keys.sorted()
            let guess = Suggestion.closest(to: serviceName, among: names).map { " Did you mean '\($0)'?" } ?? ""
            throw CLIError(
                message: "There is no service '\(serviceName)' in \(configuration.file); known: \(names.joined(separator: ", ")).\(guess)")
        }
        if let imageGiven { try checkFlag(imageGiven: imageGiven, service: service) }
        let settings = DeploySettings(
            configuration: configuration, service: service, stateDirectory: stateDirectory, keepStandby: keepStandby)
        let records = ColorRecordStore(directory: settings.stateDirectory)
        let httpClient = SmokeTester.makeHTTPClient()
        let runtime: any ColorRuntime
        var docker: DockerClient?
        switch service.runtime {
        case .process:
            runtime = ProcessColorRuntime(
                configuration: .init(service: service, workingDirectory: configuration.baseDirectory), records: records)
        case .docker:
            do {
                let template = try composeTemplate(configuration, serviceName: serviceName)
                let client = try await DockerClient.connectFromEnvironment()
                docker = client
                runtime = DockerColorRuntime(
                    client: client, project: configuration.project, containerPort: service.port, records: records,
                    template: template)
            } catch {
                try? await httpClient.shutdown()
                throw CLIError(error)
            }
        case .static:
            try? await httpClient.shutdown()
            throw CLIError(
                message: """
                    Service '\(serviceName)' uses the static runtime (fixed targets): there is nothing to deploy. \
                    Use runtime: process or docker for blue-green deploys.
                    """)
        }
        return DeploySession(
            controller: DeployController(settings: settings, runtime: runtime, httpClient: httpClient),
            httpClient: httpClient, docker: docker)
    }

    /// Refuses `--version` for a docker service (it would be taken as an image name) and `--image` for a
    /// process one, saying which flag fits.
    static func checkFlag(imageGiven: Bool, service: ServiceConfiguration) throws {
        switch (service.runtime, imageGiven) {
        case (.docker, false):
            throw CLIError(
                message: """
                    Service '\(service.name)' uses the docker runtime: give the image to run with --image REF \
                    (for example --image registry.example/\(service.name):2.1.0); --version is for the process runtime.
                    """)
        case (.process, true):
            throw CLIError(
                message: """
                    Service '\(service.name)' uses the process runtime: give --version V (substituted for {version} \
                    in its command); --image is for the docker runtime.
                    """)
        default: return
        }
    }

    /// The compose definition of `serviceName` that the docker runtime creates each color from; nil (with a
    /// warning) when none of the configured compose files exists, so an image-only service still deploys.
    static func composeTemplate(_ configuration: ShipshapeConfiguration, serviceName: String) throws
        -> ComposeContainerTemplate?
    {
        let files = configuration.compose.map(configuration.resolve)
        let logger = Logger(label: "shipshape.deploy")
        guard files.contains(where: { FileManager.default.fileExists(atPath: $0) }) else {
            logger.warning(
                "no compose file found; the container gets only the image and the published port",
                metadata: ["files": "\(files.joined(separator: ","))"])
            return nil
        }
        let project = try ComposeLoader.load(files: files.filter { FileManager.default.fileExists(atPath: $0) })
        let template = try ComposeContainerTemplate(
            project: configuration.project, compose: project, serviceName: serviceName)
        if !template.ignoredKeys.isEmpty {
            logger.info(
                "compose keys not carried into the color's container (see docs/deploy.md)",
                metadata: ["service": "\(serviceName)", "keys": "\(template.ignoredKeys.joined(separator: ","))"])
        }
        return template
    }

    /// Shuts the clients down.
    func close() async {
        await docker?.shutdown()
        try? await httpClient.shutdown()
    }
}
