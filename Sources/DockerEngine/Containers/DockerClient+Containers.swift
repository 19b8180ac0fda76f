import Foundation
import NIOCore

extension DockerClient {
    /// Grace time `stopContainer` gives the container by default before the engine kills it.
    public static let defaultStopTimeout: Duration = .seconds(10)
    /// Extra time beyond the stop timeout for the engine to answer a stop request.
    static let stopAnswerMargin: Duration = .seconds(15)

    /// Creates a container named `name` (nil: the engine picks one) and attaches it to all of the spec's
    /// networks; returns its ID.
    public func createContainer(_ spec: ContainerSpec, name: String? = nil) async throws(DockerEngineError) -> String {
        struct Created: Decodable {
            let id: String
            enum CodingKeys: String, CodingKey { case id = "Id" }
        }
        let created: Created = try await sender.decode(
            .POST, "/containers/create", query: name.map { [("name", $0)] } ?? [], json: spec.createBody,
            subject: "image \(spec.image)")
        for network in spec.networks.keys.sorted() where network != spec.primaryNetwork {
            try await connectNetwork(network, container: created.id, aliases: spec.networks[network] ?? [])
        }
        logger.debug(
            "created container", metadata: ["container": "\(name ?? created.id)", "image": "\(spec.image)"])
        return created.id
    }

    /// Starts a container (already running is not an error).
    public func startContainer(_ id: String) async throws(DockerEngineError) {
        try await sender.send(.POST, "/containers/\(id)/start", subject: "container \(id)")
    }

    /// Stops a container: SIGTERM (or its stop signal), then SIGKILL after `timeout`. Already stopped is
    /// not an error.
    public func stopContainer(_ id: String, timeout: Duration = defaultStopTimeout) async throws(DockerEngineError) {
        let seconds = max(0, Int(timeout.components.seconds))
        try await sender.send(
            .POST, "/containers/\(id)/stop", query: [("t", String(seconds))], subject: "container \(id)",
            deadline: timeout + Self.stopAnswerMargin)
    }

    /// Sends `signal` (`SIGKILL`, `SIGHUP`, ...) to a running container.
    public func killContainer(_ id: String, signal: String = "SIGKILL") async throws(DockerEngineError) {
        try await sender.send(.POST, "/containers/\(id)/kill", query: [("signal", signal)], subject: "container \(id)")
    }

    /// Removes a container; `force` kills it first if running, `volumes` removes its anonymous volumes.
    public func removeContainer(_ id: String, force: Bool = false, volumes: Bool = false)
        async throws(DockerEngineError)
    {
        try await sender.send(
            .DELETE, "/containers/\(id)", query: [("force", String(force)), ("v", String(volumes))],
            subject: "container \(id)")
    }

    /// The container's state, health, networks and labels.
    public func inspectContainer(_ id: String) async throws(DockerEngineError) -> ContainerDetails {
        try await sender.decode(.GET, "/containers/\(id)/json", subject: "container \(id)")
    }

    /// Containers (running and stopped when `all`) carrying every one of `labels` (`key` or `key=value`).
    public func listContainers(labels: [String] = [], all: Bool = true) async throws(DockerEngineError)
        -> [ContainerSummary]
    {
        var query = [("all", String(all))]
        if !labels.isEmpty { query.append(("filters", try Self.filters(["label": labels]))) }
        return try await sender.decode(.GET, "/containers/json", query: query)
    }

    /// The last `tail` lines of the container's output, stdout and stderr interleaved as written; `tty`
    /// must match the container's setting (TTY output is not multiplexed).
    public func containerLogs(_ id: String, tail: Int = 100, tty: Bool = false) async throws(DockerEngineError)
        -> [LogLine]
    {
        let response = try await sender.stream(
            .GET, "/containers/\(id)/logs",
            query: [("stdout", "true"), ("stderr", "true"), ("tail", String(tail))], subject: "container \(id)")
        // Engines label multiplexed output `raw-stream` too (Podman, older Docker), so only the TTY setting
        // tells the two apart.
        let multiplexed = !tty
        var assembler = LogLineAssembler()
        var decoder = MultiplexedStreamDecoder()
        do {
            for try await buffer in response.body {
                if multiplexed {
                    for chunk in try decoder.decode(buffer) { assembler.append(chunk) }
                } else {
                    assembler.append(OutputChunk(stream: .stdout, bytes: buffer))
                }
            }
        } catch let error as DockerEngineError {
            throw error
        } catch {
            throw .unreachable(configuration.host, reason: "reading logs of \(id): \(error)")
        }
        return assembler.finish()
    }

    /// Waits until the container stops and returns its exit code.
    public func waitContainer(_ id: String, timeout: Duration) async throws(DockerEngineError) -> Int {
        struct Waited: Decodable {
            let statusCode: Int
            enum CodingKeys: String, CodingKey { case statusCode = "StatusCode" }
        }
        let waited: Waited = try await sender.decode(
            .POST, "/containers/\(id)/wait", subject: "container \(id)", deadline: timeout)
        return waited.statusCode
    }

    /// The engine's `filters` query value: a JSON object of lists.
    static func filters(_ values: [String: [String]]) throws(DockerEngineError) -> String {
        do {
            return String(decoding: try JSONEncoder().encode(values), as: UTF8.self)
        } catch {
            throw DockerEngineError.invalidResponse("filters", reason: "cannot encode: \(error)")
        }
    }
}
