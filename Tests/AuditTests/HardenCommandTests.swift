import Audit
import Compose
import Foundation
import Testing
import TestSupport
import Yams

/// `shipshape harden` as a user runs it, and the layout it gives services the gateway reaches.
@Suite("shipshape harden")
struct HardenCommandTests {
    @Test("with its override listed in shipshape.yml's compose (as the docs suggest), harden never reads its own output: reruns write the same file")
    func overrideListedInCompose() async throws {
        let directory = try TemporaryDirectory(prefix: "harden")
        defer { directory.remove() }
        let copied = try await ProcessRunner.run(["cp", "-r", ProcessRunner.packageRoot + "/examples/.", directory.path])
        try #require(copied.status == 0, "\(copied.stderr)")
        let config = try String(contentsOfFile: directory.path + "/shipshape.yml", encoding: .utf8)
        try directory.write(
            "shipshape.yml",
            config.replacingOccurrences(of: "compose: [docker-compose.yml]", with: "compose: [docker-compose.yml, compose.production.yml]"))
        var written: [String] = []
        for _ in 0..<2 {
            // The first run: the listed file does not exist yet; the second: it holds the first run's override.
            let result = try await ShipshapeProcess.run(["harden", "--json"], in: directory.path)
            #expect(result.status == 0, "\(result.stderr)")
            let summary = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            #expect(summary["score_before"] as? Double == 0.8, "the compose file alone, not the override: \(result.stdout)")
            #expect(summary["score_after"] as? Double == 9.0)
            written.append(try String(contentsOfFile: directory.path + "/compose.production.yml", encoding: .utf8))
        }
        #expect(written[0] == written[1])
        #expect(written[1].contains("cap_drop"), "a full override, not `services: {}`")
    }

    @Test("a service the gateway proxies to (a port: in shipshape.yml) stays on a network it can reach, and may bind its low port")
    func gatewayReachedService() throws {
        let directory = try TemporaryDirectory(prefix: "harden")
        defer { directory.remove() }
        try directory.write(
            "docker-compose.yml",
            """
            services:
              web:
                image: registry.example/shop-web:1.4
              cache:
                image: redis:7.2
            """)
        let project = try ComposeLoader.load(files: [directory.path + "/docker-compose.yml"], environment: [:])
        func service(_ name: String, in plan: HardenPlan) throws -> Node.Mapping {
            let document = try #require(try Yams.compose(yaml: plan.overrideYAML)?.mapping)
            return try #require(document["services"]?.mapping?[name]?.mapping)
        }
        func strings(_ node: Node?) -> [String] { node?.sequence?.compactMap(\.string) ?? [] }

        let proxied = try service("web", in: Hardener(healthEndpoints: ["web": HealthEndpoint(port: 80, path: "/health")]).plan(for: project))
        // backend and database are internal: the gateway on the host could not reach web on them alone.
        #expect(strings(proxied["networks"]).contains("frontend"), "\(proxied)")
        #expect(strings(proxied["cap_drop"]) == ["ALL"])
        #expect(strings(proxied["cap_add"]).contains("NET_BIND_SERVICE"), "it listens on port 80")

        let unreached = try service("web", in: Hardener().plan(for: project))
        #expect(!strings(unreached["networks"]).contains("frontend"), "no port and no gateway: internal only")
        #expect(!strings(unreached["cap_add"]).contains("NET_BIND_SERVICE"))
    }
}
