import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The gateway's admin API, spoken over its unix socket (HTTP/JSON): the only way `Deploy` reaches the
/// gateway, so a deploy works the same against an in-process gateway and a separate `shipshape run`.
public struct AdminClient: Sendable {
    /// Default time one admin request may take.
    public static let defaultTimeout: Duration = .seconds(5)
    /// The most of an admin response read (a service list is small).
    static let maximumResponseSize = 4 * 1024 * 1024

    /// The admin socket's path.
    public let socketPath: String
    let httpClient: HTTPClient
    let timeout: Duration

    /// A client for the admin API on `socketPath`, sending through `httpClient` (the caller shuts it down).
    public init(socketPath: String, httpClient: HTTPClient, timeout: Duration = Self.defaultTimeout) {
        self.socketPath = socketPath
        self.httpClient = httpClient
        self.timeout = timeout
    }

    /// Every service the gateway knows.
    public func services() async throws(DeployError) -> [GatewayServiceState] {
        try await send(.GET, "/v1/services", body: Optional<Empty>.none, as: [GatewayServiceState].self)
    }

    /// One service's colors and targets.
    public func service(_ name: String) async throws(DeployError) -> GatewayServiceState {
        try await send(.GET, "/v1/services/\(name)", body: Optional<Empty>.none, as: GatewayServiceState.self)
    }

    /// Replaces `color`'s targets of `service` (an empty list removes them and ends their WebSocket tunnels).
    @discardableResult
    public func setTargets(service: String, color: DeployColor, targets: [String]) async throws(DeployError)
        -> GatewayServiceState
    {
        try await send(
            .PUT, "/v1/services/\(service)/targets/\(color)",
            body: TargetsBody(targets: targets, force: targets.isEmpty ? true : nil),
            as: GatewayServiceState.self)
    }

    /// Makes `color` take new requests; the gateway refuses (409) unless it has a healthy target or `force`.
    @discardableResult
    public func activate(service: String, color: DeployColor, force: Bool = false) async throws(DeployError)
        -> GatewayServiceState
    {
        try await send(
            .POST, "/v1/services/\(service)/switch", body: SwitchBody(color: color, force: force),
            as: GatewayServiceState.self)
    }

    /// Turns maintenance mode on or off.
    public func setMaintenance(enabled: Bool, message: String? = nil, retryAfter: Int? = nil) async throws(DeployError)
    {
        _ = try await send(
            .POST, "/v1/maintenance", body: MaintenanceBody(enabled: enabled, message: message, retryAfter: retryAfter),
            as: MaintenanceAnswer.self)
    }

    /// Tells the gateway how a deploy ended, so it counts it in `shipshape_deploys_total{service,outcome}`
    /// and `shipshape_deploy_duration_seconds` (the gateway owns the metrics listener; the CLI is a
    /// separate process).
    public func reportDeploy(service: String, outcome: String, durationSeconds: Double) async throws(DeployError) {
        _ = try await send(
            .POST, "/v1/deploys",
            body: DeployReport(service: service, outcome: outcome, durationSeconds: durationSeconds),
            as: DeployReportAnswer.self)
    }

    // MARK: - Transport

    struct Empty: Codable {}
    struct TargetsBody: Codable {
        var targets: [String]
        /// The gateway refuses to empty the active color unless forced: a deploy's clean-ups mean it.
        var force: Bool?
    }
    struct SwitchBody: Codable {
        var color: DeployColor
        var force: Bool
    }
    struct MaintenanceBody: Codable {
        var enabled: Bool
        var message: String?
        var retryAfter: Int?
        enum CodingKeys: String, CodingKey {
            case enabled, message
            case retryAfter = "retry_after"
        }
    }
    struct MaintenanceAnswer: Codable { var maintenance: Bool }
    struct DeployReport: Codable {
        var service: String
        var outcome: String
        var durationSeconds: Double
        enum CodingKeys: String, CodingKey {
            case service, outcome
            case durationSeconds = "duration_seconds"
        }
    }
    struct DeployReportAnswer: Codable { var counted: Bool }
    struct ErrorAnswer: Codable { var error: String }

    func send<Body: Encodable, Answer: Decodable>(
        _ method: HTTPMethod, _ path: String, body: Body?, as: Answer.Type
    ) async throws(DeployError) -> Answer {
        // A missing socket fails at once rather than after the HTTP client's connect retries.
        guard FileManager.default.fileExists(atPath: socketPath) else {
            throw failure(
                method, path,
                "no socket there. Is the gateway running (`shipshape run`) with `gateway.admin.socket: \(socketPath)`?")
        }
        guard let url = URL(httpURLWithSocketPath: socketPath, uri: path) else {
            throw failure(method, path, "the socket path cannot be expressed as a URL")
        }
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = method
        let status: HTTPResponseStatus
        let payload: ByteBuffer
        do {
            if let body {
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(body)))
            }
            let response = try await httpClient.execute(request, timeout: .init(timeout))
            status = response.status
            payload = try await response.body.collect(upTo: Self.maximumResponseSize)
        } catch {
            throw failure(
                method, path,
                "\(error). Is the gateway running (`shipshape run`) with `gateway.admin.socket: \(socketPath)`?")
        }
        guard status == .ok else {
            let message =
                (try? JSONDecoder().decode(ErrorAnswer.self, from: Data(payload.readableBytesView)))?.error
                ?? String(buffer: payload)
            throw DeployError(
                kind: status == .conflict ? .gatewayRefused : .gateway,
                userMessage: "The gateway refused \(method) \(path) (\(status.code)): \(message)")
        }
        do { return try JSONDecoder().decode(Answer.self, from: Data(payload.readableBytesView)) } catch {
            throw failure(method, path, "unexpected answer \(String(buffer: payload).prefix(200)): \(error)")
        }
    }

    func failure(_ method: HTTPMethod, _ path: String, _ reason: String) -> DeployError {
        DeployError(
            kind: .gateway,
            userMessage: "The gateway's admin API at \(socketPath) failed on \(method) \(path): \(reason)")
    }
}
