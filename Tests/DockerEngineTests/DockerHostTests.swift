import DockerEngine
import Testing

@Suite("DOCKER_HOST parsing")
struct DockerHostTests {
    @Test("uses the default socket when DOCKER_HOST is unset")
    func defaultSocket() throws {
        #expect(try DockerHost.fromEnvironment([:]) == .unix(path: "/var/run/docker.sock"))
    }

    @Test("reads unix sockets, plain tcp and tcp with TLS")
    func schemes() throws {
        #expect(
            try DockerHost.fromEnvironment(["DOCKER_HOST": "unix:///run/podman/podman.sock"])
                == .unix(path: "/run/podman/podman.sock"))
        #expect(
            try DockerHost.fromEnvironment(["DOCKER_HOST": "tcp://10.0.0.5:2375"]) == .tcp(host: "10.0.0.5", port: 2375)
        )
        #expect(
            try DockerHost.fromEnvironment(["DOCKER_HOST": "tcp://engine.internal"])
                == .tcp(host: "engine.internal", port: 2375))
        #expect(
            try DockerHost.fromEnvironment([
                "DOCKER_HOST": "tcp://engine.internal", "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": "/certs",
            ]) == .tls(host: "engine.internal", port: 2376, certificatePath: "/certs", verify: true))
        #expect(
            try DockerHost.parse("tcp://[::1]:2376", tlsVerify: true)
                == .tls(host: "::1", port: 2376, certificatePath: nil, verify: true))
    }

    @Test("rejects hosts it cannot use with a message naming DOCKER_HOST")
    func rejects() {
        for text in ["ssh://user@host", "unix://relative.sock", "tcp://host:99999", "tcp://:2375"] {
            #expect {
                try DockerHost.parse(text)
            } throws: { error in
                guard let error = error as? DockerEngineError else { return false }
                return error.kind == .invalidHost && error.userMessage.contains("DOCKER_HOST '\(text)'")
            }
        }
    }

    @Test("negotiates the lower of the engine's and the client's API version")
    func negotiation() throws {
        let old = try #require(DockerAPIVersion("1.41"))
        #expect(DockerAPIVersion.negotiated(server: old) == old)
        let newer = try #require(DockerAPIVersion("1.99"))
        #expect(DockerAPIVersion.negotiated(server: newer) == .clientMaximum)
        #expect(try #require(DockerAPIVersion("1.9")) < old)
        #expect(DockerAPIVersion("v1") == nil)
    }
}
