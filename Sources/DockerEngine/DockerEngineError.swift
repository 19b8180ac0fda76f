import NIOCore
import NIOPosix
import ShipshapeCore

/// A failure talking to a Docker Engine (or Podman's compatible service): what failed, with what input,
/// and what to do about it.
public struct DockerEngineError: UserFacingError, Sendable {
    /// The category of failure, for callers that react differently (never match on message text).
    public enum Kind: String, Sendable, Hashable {
        /// The engine could not be reached at all (socket missing, connection refused, TLS failure).
        case unreachable
        /// `DOCKER_HOST` or the TLS files could not be understood.
        case invalidHost
        /// The engine answered 404: no such container, image, network, volume or exec instance.
        case notFound
        /// The engine answered 409: the name is in use or the object is in the wrong state.
        case conflict
        /// The engine answered with another error status; its message is passed through.
        case apiError
        /// The engine answered with something this client cannot decode.
        case invalidResponse
    }

    /// The category of failure.
    public let kind: Kind
    /// The HTTP status the engine answered with, when it answered.
    public let status: Int?
    /// The one-paragraph explanation printed by the CLI.
    public let userMessage: String

    /// An error of `kind` with its explanation.
    public init(kind: Kind, status: Int? = nil, userMessage: String) {
        self.kind = kind
        self.status = status
        self.userMessage = userMessage
    }

    /// The system's reason for a transport error (`Connection refused`), not NIO's description of the call
    /// (`connect(descriptor:addr:size:): Connection refused (errno: 111)`).
    static func reason(_ error: any Error) -> String {
        if let error = error as? IOError { return String(cString: strerror(error.errnoCode)) }
        if let error = error as? NIOConnectionError, let first = error.connectionErrors.first?.error {
            return reason(first)
        }
        return "\(error)"
    }

    static func unreachable(_ host: DockerHost, reason: String) -> DockerEngineError {
        DockerEngineError(
            kind: .unreachable,
            userMessage: """
                Cannot reach the Docker Engine at \(host) (\(reason)). Start one (`systemctl start docker`, or \
                `podman system service --time=0 unix:///run/podman/podman.sock` for Podman) or point \
                DOCKER_HOST at a running engine, e.g. DOCKER_HOST=unix:///var/run/docker.sock.
                """)
    }

    static func invalidHost(_ text: String, reason: String) -> DockerEngineError {
        DockerEngineError(
            kind: .invalidHost,
            userMessage: """
                DOCKER_HOST '\(text)' cannot be used: \(reason). Use unix:///path/to/docker.sock, or \
                tcp://host:2376 with DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH holding ca.pem, cert.pem, key.pem.
                """)
    }

    static func invalidResponse(_ request: String, reason: String) -> DockerEngineError {
        DockerEngineError(
            kind: .invalidResponse,
            userMessage: """
                The Docker Engine's answer to \(request) could not be read (\(reason)). Check that DOCKER_HOST \
                points at a Docker Engine or Podman service and not at another server.
                """)
    }

    /// Maps an engine error status to an error that says what to do next.
    static func api(status: Int, message: String, request: String, subject: String?) -> DockerEngineError {
        let engineMessage = message.isEmpty ? "no message" : message
        switch status {
        case 404:
            let what = subject.map { " (\($0))" } ?? ""
            return DockerEngineError(
                kind: .notFound, status: status,
                userMessage: """
                    The Docker Engine has no such object\(what) for \(request): \(engineMessage). Check the name \
                    (`docker ps -a`, `docker images`, `docker network ls`); images must exist locally or be pulled \
                    first.
                    """)
        case 409:
            return DockerEngineError(
                kind: .conflict, status: status,
                userMessage: """
                    The Docker Engine refused \(request) because of a conflict: \(engineMessage). A container or \
                    network with that name may already exist: remove it (`docker rm -f NAME`) or choose another name.
                    """)
        default:
            return DockerEngineError(
                kind: .apiError, status: status,
                userMessage: """
                    The Docker Engine answered \(status) to \(request): \(engineMessage). Fix what the engine \
                    reports and try again; `docker info` shows the engine's state.
                    """)
        }
    }
}
