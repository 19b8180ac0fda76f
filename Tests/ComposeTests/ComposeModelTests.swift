import Compose
import Testing

@Suite("Compose model")
struct ComposeModelTests {
    let place = SourceLocation(file: "compose.yaml", line: 1)

    func node(_ yaml: String) throws -> ComposeNode {
        try ComposeNode.parse(yaml: yaml, file: "compose.yaml")
    }

    @Test("ports: short syntax with address, range, protocol and IPv6; long syntax")
    func ports() throws {
        let cases: [(String, String?, String?, String, String)] = [
            ("80", nil, nil, "80", "tcp"),
            ("8080:80", nil, "8080", "80", "tcp"),
            ("127.0.0.1:8080:80/udp", "127.0.0.1", "8080", "80", "udp"),
            ("127.0.0.1::80", "127.0.0.1", nil, "80", "tcp"),
            ("[::1]:6000-6005:6000-6005", "::1", "6000-6005", "6000-6005", "tcp"),
        ]
        for (text, host, published, target, proto) in cases {
            let port = try ComposePort.parse(ComposeNode(.scalar(text), at: place))
            #expect(port.hostIP == host && port.published == published && port.target == target && port.protocolName == proto, "\(text)")
        }
        let long = try ComposePort.parse(try node("{target: 80, published: \"8080\", host_ip: 127.0.0.1, protocol: udp}"))
        #expect(long.shortSyntax == "127.0.0.1:8080:80/udp" && long.isLoopbackOnly)
    }

    @Test("volumes: bind, named, anonymous, long syntax with propagation")
    func volumes() throws {
        let bind = ComposeVolumeMount.parseShort("./data:/data:ro,rshared", at: place)
        #expect(bind.type == .bind && bind.readOnly && bind.propagation == "rshared")
        let named = ComposeVolumeMount.parseShort("pg:/var/lib/postgresql/data", at: place)
        #expect(named.type == .volume && named.source == "pg")
        let anonymous = ComposeVolumeMount.parseShort("/cache", at: place)
        #expect(anonymous.source == nil && anonymous.target == "/cache")
        let long = try ComposeVolumeMount.parse(try node("{type: bind, source: /var/run/docker.sock, target: /sock, read_only: true}"))
        #expect(long.type == .bind && long.readOnly && long.source == "/var/run/docker.sock")
    }

    @Test("image names, tags and digests")
    func images() throws {
        let project = try ComposeLoader.load(files: [fixture("profiles/compose.yaml")], environment: [:], profiles: ["ops"])
        let metrics = try #require(project.services["metrics"])
        #expect(metrics.imageName == "prometheus" && metrics.imageTag == "v2.53.0" && !metrics.imageHasDigest)
    }
}
