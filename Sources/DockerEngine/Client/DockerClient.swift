import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// A client of the Docker Engine API (Docker Engine or Podman's compatible service) over a unix socket,
/// TCP or TCP+TLS, speaking the API version negotiated with the engine at connect time.
public final class DockerClient: Sendable {
    /// How to reach the engine and how long to wait for it.
    public struct Configuration: Sendable {
        /// Default time for the engine to answer a request (the head; bodies may stream for longer).
        public static let defaultRequestTimeout: Duration = .seconds(30)
        /// Default cap on a buffered (non-streamed) response body.
        public static let defaultMaximumResponseSize = 16 * 1024 * 1024

        /// Where the engine listens.
        public var host: DockerHost
        /// Time for the engine to answer a request.
        public var requestTimeout: Duration
        /// Cap on a buffered (non-streamed) response body.
        public var maximumResponseSize: Int
        /// The newest API version to use even if the engine speaks a newer one.
        public var maximumAPIVersion: DockerAPIVersion

        /// A configuration with defaults.
        public init(
            host: DockerHost, requestTimeout: Duration = Self.defaultRequestTimeout,
            maximumResponseSize: Int = Self.defaultMaximumResponseSize,
            maximumAPIVersion: DockerAPIVersion = .clientMaximum
        ) {
            self.host = host
            self.requestTimeout = requestTimeout
            self.maximumResponseSize = maximumResponseSize
            self.maximumAPIVersion = maximumAPIVersion
        }

        /// The configuration `DOCKER_HOST`, `DOCKER_TLS_VERIFY` and `DOCKER_CERT_PATH` describe.
        public static func fromEnvironment(
            _ environment: [String: String] = ProcessInfo.processInfo.environment
        ) throws(DockerEngineError) -> Configuration {
            Configuration(host: try DockerHost.fromEnvironment(environment))
        }
    }

    /// The engine's address and limits.
    public let configuration: Configuration
    /// The API version every request uses (`/v1.xx/...`).
    public let apiVersion: DockerAPIVersion
    /// What the engine reported about itself at connect time.
    public let version: EngineVersion

    let httpClient: HTTPClient
    let logger: Logger

    private init(
        configuration: Configuration, apiVersion: DockerAPIVersion, version: EngineVersion, httpClient: HTTPClient,
        logger: Logger
    ) {
        self.configuration = configuration
        self.apiVersion = apiVersion
        self.version = version
        self.httpClient = httpClient
        self.logger = logger
    }

    /// Connects to the engine and negotiates the API version from `GET /version`: the lower of the engine's
    /// `ApiVersion` and the client's maximum. Call `shutdown()` when done.
    public static func connect(
        _ configuration: Configuration, logger: Logger = Logger(label: "shipshape.docker")
    ) async throws(DockerEngineError) -> DockerClient {
        // A missing socket fails at once here rather than after the client's connect retries.
        if case .unix(let path) = configuration.host, !FileManager.default.fileExists(atPath: path) {
            throw DockerEngineError.unreachable(configuration.host, reason: "no socket at \(path)")
        }
        let httpClient = try makeHTTPClient(for: configuration.host)
        do throws(DockerEngineError) {
            let probe = RequestSender(
                httpClient: httpClient, host: configuration.host, pathPrefix: "",
                timeout: configuration.requestTimeout, maximumResponseSize: configuration.maximumResponseSize)
            let version: EngineVersion = try await probe.decode(.GET, "/version")
            guard let server = DockerAPIVersion(version.apiVersion) else {
                throw DockerEngineError.invalidResponse("GET /version", reason: "ApiVersion '\(version.apiVersion)'")
            }
            let negotiated = min(server, configuration.maximumAPIVersion)
            guard negotiated >= DockerAPIVersion.clientMinimum else {
                throw DockerEngineError(
                    kind: .apiError,
                    userMessage: """
                        The Docker Engine at \(configuration.host) speaks API \(server), older than the oldest this \
                        client supports (\(DockerAPIVersion.clientMinimum)). Upgrade Docker (19.03 or newer) or \
                        Podman (3 or newer).
                        """)
            }
            logger.debug(
                "connected to docker engine",
                metadata: [
                    "docker_host": "\(configuration.host)", "engine_version": "\(version.version)",
                    "api_version": "\(negotiated)",
                ])
            return DockerClient(
                configuration: configuration, apiVersion: negotiated, version: version, httpClient: httpClient,
                logger: logger)
        } catch {
            try? await httpClient.shutdown()
            throw error
        }
    }

    /// Connects to the engine `DOCKER_HOST` names (the default socket when unset).
    public static func connectFromEnvironment(
        logger: Logger = Logger(label: "shipshape.docker")
    ) async throws(DockerEngineError) -> DockerClient {
        try await connect(try .fromEnvironment(), logger: logger)
    }

    /// Closes the client's connections.
    public func shutdown() async {
        try? await httpClient.shutdown()
    }

    /// The sender for versioned API requests.
    var sender: RequestSender {
        RequestSender(
            httpClient: httpClient, host: configuration.host, pathPrefix: "/v\(apiVersion)",
            timeout: configuration.requestTimeout, maximumResponseSize: configuration.maximumResponseSize)
    }

    private static func makeHTTPClient(for host: DockerHost) throws(DockerEngineError) -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        // Engine streams (exec output, logs, wait) can be idle for long periods; per-request deadlines apply.
        configuration.timeout = .init(connect: .seconds(Int64(connectTimeoutSeconds)), read: nil)
        if case .tls(_, _, let certificatePath, let verify) = host {
            configuration.tlsConfiguration = try DockerTLS.configuration(
                certificatePath: certificatePath, verify: verify, host: host)
        }
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Seconds to wait for a connection to the engine.
    static let connectTimeoutSeconds = 5
}
