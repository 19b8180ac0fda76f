import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import ShipshapeCore

/// The admin API (HTTP/JSON over a unix socket): list services, register targets, switch colors, maintenance,
/// and deploy reports from the CLI (counted in the gateway's metrics).
struct AdminAPI: Sendable {
    let runtime: GatewayRuntime
    let stateFile: GatewayStateFile?

    struct TargetsBody: Codable {
        var targets: [String]
        var force: Bool?
    }
    struct SwitchBody: Codable {
        var color: Color
        var force: Bool?
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

    struct DeployReportBody: Codable {
        var service: String
        var outcome: String
        var durationSeconds: Double

        enum CodingKeys: String, CodingKey {
            case service, outcome
            case durationSeconds = "duration_seconds"
        }
    }

    /// Answers a request: at once, except a switch that first checks its targets accept connections.
    func respond(to request: SmallRequest, on eventLoop: any EventLoop) -> EventLoopFuture<SmallResponse> {
        do {
            if let check = try switchNeedingConnectCheck(request) {
                return TargetConnectCheck(timeout: .nanoseconds(runtime.configuration.limits.upstreamConnectTimeout.nanoseconds))
                    .firstRefusal(of: check.targets, on: eventLoop)
                    .map { refusal in
                        if let (target, reason) = refusal {
                            return errorResponse(
                                AdminError.targetRefused(
                                    service: check.service, color: check.color, target: target.description, reason: reason))
                        }
                        return respond(to: request)
                    }
            }
        } catch {
            return eventLoop.makeSucceededFuture(errorResponse(error))
        }
        return eventLoop.makeSucceededFuture(respond(to: request))
    }

    func respond(to request: SmallRequest) -> SmallResponse {
        do {
            return try route(request)
        } catch {
            return errorResponse(error)
        }
    }

    func errorResponse(_ error: any Error) -> SmallResponse {
        if let error = error as? AdminError { return errorResponse(status: error.status, error.userMessage) }
        return errorResponse(status: 400, "invalid request body: \(error)")
    }

    /// For an unforced switch of a service without health checks, the targets to try first (the switch is then
    /// answered when they have been); nil for any other request.
    func switchNeedingConnectCheck(_ request: SmallRequest) throws -> (service: String, color: Color, targets: [HostPort])? {
        guard request.method == .POST else { return nil }
        let parts = request.path.split(separator: "?").first.map { $0.split(separator: "/").map(String.init) } ?? []
        guard parts.count == 4, parts[0] == "v1", parts[1] == "services", parts[3] == "switch" else { return nil }
        let body = try decode(SwitchBody.self, request.body)
        guard body.force != true,
            let targets = try runtime.registry.targetsToCheckBeforeSwitch(service: parts[2], color: body.color)
        else { return nil }
        return (parts[2], body.color, targets)
    }

    func route(_ request: SmallRequest) throws -> SmallResponse {
        let parts = request.path.split(separator: "?").first.map { $0.split(separator: "/").map(String.init) } ?? []
        let method = request.method
        if method == .GET, parts == ["v1", "services"] {
            return try json(runtime.registry.snapshot())
        }
        if method == .GET, parts == ["v1", "health"] {
            return SmallResponse(status: .ok, body: #"{"status":"ok"}"#)
        }
        if method == .POST, parts == ["v1", "maintenance"] {
            let body = try decode(MaintenanceBody.self, request.body)
            let retryAfter = body.retryAfter ?? MaintenanceState.defaultRetryAfter
            // Retry-After is a non-negative number of seconds (RFC 9110 §10.2.3).
            guard retryAfter >= 0 else { throw AdminError.badRequest("retry_after must be a non-negative number of seconds") }
            runtime.setMaintenance(MaintenanceState(enabled: body.enabled, message: body.message, retryAfter: retryAfter))
            try persist()
            return SmallResponse(status: .ok, body: #"{"maintenance":\#(body.enabled)}"#)
        }
        if method == .POST, parts == ["v1", "deploys"] {
            return try countDeploy(decode(DeployReportBody.self, request.body))
        }
        guard parts.count >= 3, parts[0] == "v1", parts[1] == "services" else {
            return errorResponse(status: 404, "no such admin endpoint: \(method) \(request.path)")
        }
        let name = parts[2]
        switch (method, Array(parts.dropFirst(3))) {
        case (.GET, []):
            guard let service = runtime.registry.snapshot().first(where: { $0.name == name }) else {
                throw AdminError.unknownService(name)
            }
            return try json(service)
        case (.PUT, let rest) where rest.count == 2 && rest[0] == "targets":
            guard let color = Color(rawValue: rest[1]) else { throw AdminError.badRequest("color is blue or green") }
            let body = try decode(TargetsBody.self, request.body)
            var targets: [HostPort] = []
            for text in body.targets {
                guard let target = HostPort(configText: text) else {
                    throw AdminError.badRequest("'\(text)' is not host:port")
                }
                targets.append(target)
            }
            try runtime.registry.setTargets(service: name, color: color, targets: targets, force: body.force ?? false)
            runtime.tunnels.close(service: name, color: color, keeping: targets)
            try persist()
            return try json(runtime.registry.snapshot().first { $0.name == name })
        case (.POST, ["switch"]):
            let body = try decode(SwitchBody.self, request.body)
            try runtime.registry.activate(service: name, color: body.color, force: body.force ?? false)
            try persist()
            return try json(runtime.registry.snapshot().first { $0.name == name })
        default:
            return errorResponse(status: 404, "no such admin endpoint: \(method) \(request.path)")
        }
    }

    /// Counts a deploy the CLI reports; only known services and outcomes, so labels stay bounded.
    func countDeploy(_ body: DeployReportBody) throws -> SmallResponse {
        guard runtime.registry.snapshot().contains(where: { $0.name == body.service }) else {
            throw AdminError.unknownService(body.service)
        }
        guard DeployMetrics.outcomes.contains(body.outcome) else {
            let known = DeployMetrics.outcomes.sorted().joined(separator: ", ")
            throw AdminError.badRequest("outcome '\(body.outcome)' is not one of \(known)")
        }
        guard body.durationSeconds.isFinite, body.durationSeconds >= 0 else {
            throw AdminError.badRequest("duration_seconds must be a non-negative number")
        }
        if runtime.metrics.enabled {
            DeployMetrics(registry: runtime.metrics.registry)
                .record(service: body.service, outcome: body.outcome, duration: .seconds(body.durationSeconds))
        }
        return SmallResponse(status: .ok, body: #"{"counted":\#(runtime.metrics.enabled)}"#)
    }

    func persist() throws {
        try stateFile?.save(runtime.registry.snapshot(), maintenance: runtime.maintenanceState.withLock { $0 })
    }

    func decode<T: Decodable>(_ type: T.Type, _ body: ByteBuffer) throws -> T {
        try JSONDecoder().decode(type, from: body)
    }

    func json<T: Encodable>(_ value: T) throws -> SmallResponse {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        return SmallResponse(status: .ok, body: String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    func errorResponse(status: Int, _ message: String) -> SmallResponse {
        var writer = JSONLineWriter()
        writer.field("error", string: message)
        return SmallResponse(status: HTTPResponseStatus(statusCode: status), body: writer.finish())
    }
}
