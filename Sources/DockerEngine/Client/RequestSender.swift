import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// Sends one API request and maps the engine's answer: JSON bodies decoded, error statuses turned into
/// `DockerEngineError`s that carry the engine's own message.
struct RequestSender: Sendable {
    let httpClient: HTTPClient
    let host: DockerHost
    let pathPrefix: String
    let timeout: Duration
    let maximumResponseSize: Int

    /// The Host header sent over unix sockets (the name the Docker CLI uses).
    static let unixSocketHostName = "api.moby.localhost"

    /// Characters left as they are in query values; everything else (JSON filters included) is escaped.
    private static let queryValueAllowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))

    func url(_ path: String, query: [(String, String)]) -> String {
        var text = host.baseURL + pathPrefix + path
        if !query.isEmpty {
            let pairs = query.map { name, value in
                "\(name)=\(value.addingPercentEncoding(withAllowedCharacters: Self.queryValueAllowed) ?? value)"
            }
            text += "?" + pairs.joined(separator: "&")
        }
        return text
    }

    /// Sends a request and returns the response head without reading its body (for streams).
    func stream(
        _ method: HTTPMethod, _ path: String, query: [(String, String)] = [], json body: (any Encodable)? = nil,
        subject: String? = nil, deadline: Duration? = nil
    ) async throws(DockerEngineError) -> HTTPClientResponse {
        var request = HTTPClientRequest(url: url(path, query: query))
        request.method = method
        // Over a unix socket there is no host name; Go's HTTP server (Docker, Podman) rejects requests without one.
        if case .unix = host { request.headers.add(name: "Host", value: Self.unixSocketHostName) }
        if let body {
            let data: Data
            do { data = try JSONEncoder().encode(body) } catch {
                throw DockerEngineError.invalidResponse("\(method) \(path)", reason: "cannot encode request: \(error)")
            }
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(data: data))
        }
        let response: HTTPClientResponse
        do {
            response = try await httpClient.execute(request, timeout: .init(deadline ?? timeout))
        } catch {
            throw transportError(error, request: "\(method) \(path)")
        }
        let status = Int(response.status.code)
        guard status < 400 else {
            let bytes = try await collect(response, request: "\(method) \(path)")
            let message = Self.engineMessage(in: bytes)
            throw .api(
                status: Self.normalizedStatus(status, cause: Self.engineCause(in: bytes)), message: message,
                request: "\(method) \(path)", subject: subject)
        }
        return response
    }

    /// Sends a request and returns its status and whole body.
    @discardableResult
    func send(
        _ method: HTTPMethod, _ path: String, query: [(String, String)] = [], json body: (any Encodable)? = nil,
        subject: String? = nil, deadline: Duration? = nil
    ) async throws(DockerEngineError) -> (status: Int, body: ByteBuffer) {
        let response = try await stream(
            method, path, query: query, json: body, subject: subject, deadline: deadline)
        return (Int(response.status.code), try await collect(response, request: "\(method) \(path)"))
    }

    /// Sends a request and decodes its JSON body.
    func decode<Value: Decodable>(
        _ method: HTTPMethod, _ path: String, query: [(String, String)] = [], json body: (any Encodable)? = nil,
        subject: String? = nil, deadline: Duration? = nil, as type: Value.Type = Value.self
    ) async throws(DockerEngineError) -> Value {
        let (_, bytes) = try await send(method, path, query: query, json: body, subject: subject, deadline: deadline)
        do {
            return try JSONDecoder().decode(Value.self, from: bytes)
        } catch {
            throw DockerEngineError.invalidResponse("\(method) \(path)", reason: "\(error)")
        }
    }

    private func collect(_ response: HTTPClientResponse, request: String) async throws(DockerEngineError) -> ByteBuffer
    {
        do {
            return try await response.body.collect(upTo: maximumResponseSize)
        } catch {
            throw transportError(error, request: request)
        }
    }

    private func transportError(_ error: any Error, request: String) -> DockerEngineError {
        if let error = error as? DockerEngineError { return error }
        if let error = error as? HTTPClientError, error == .deadlineExceeded {
            return DockerEngineError(
                kind: .apiError,
                userMessage: """
                    The Docker Engine at \(host) did not answer \(request) within \(timeout). Check the engine's \
                    load and logs (`journalctl -u docker`); the request can be retried.
                    """)
        }
        if let error = error as? NIOTooManyBytesError {
            return .invalidResponse(request, reason: "the answer is larger than \(error.maxBytes ?? 0) bytes")
        }
        return .unreachable(host, reason: DockerEngineError.reason(error))
    }

    /// Podman's compatible API answers some conflicts with 500 where Docker answers 409; its structured
    /// `cause` field (not the free-text message) tells them apart.
    static func normalizedStatus(_ status: Int, cause: String?) -> Int {
        guard status == 500, let cause else { return status }
        return podmanConflictCauses.contains(cause) ? 409 : podmanNotFoundCauses.contains(cause) ? 404 : status
    }

    static let podmanConflictCauses: Set<String> = ["that name is already in use", "network already exists"]
    static let podmanNotFoundCauses: Set<String> = ["no such container", "no such image", "network not found"]

    /// Podman's `cause` field, when present.
    static func engineCause(in bytes: ByteBuffer) -> String? {
        struct Cause: Decodable {
            let cause: String?
        }
        return (try? JSONDecoder().decode(Cause.self, from: bytes))?.cause
    }

    /// The engine's `{"message": "..."}` text, or the raw body when it is not JSON.
    static func engineMessage(in bytes: ByteBuffer) -> String {
        struct Message: Decodable {
            let message: String
        }
        if let decoded = try? JSONDecoder().decode(Message.self, from: bytes) { return decoded.message }
        return String(buffer: bytes).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
