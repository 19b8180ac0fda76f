import Audit
import Compose
import Foundation
import Testing
import TestSupport

@Suite("Harden options and project files")
struct HardenOptionsTests {
    @Test("an HTTP health endpoint from shipshape.yml gives an application a healthcheck")
    func healthEndpoint() throws {
        let project = try ComposeLoader.load(files: [Corpus.root + "/projects/shop/docker-compose.yml"], environment: [:])
        let plain = Hardener().plan(for: project)
        #expect(plain.humanItems.contains { $0.rule == "healthcheck-missing" && $0.service == "web" })
        let withEndpoint = Hardener(healthEndpoints: ["web": HealthEndpoint(port: 8000, path: "/health/")]).plan(for: project)
        #expect(!withEndpoint.humanItems.contains { $0.rule == "healthcheck-missing" && $0.service == "web" })
        #expect(withEndpoint.overrideYAML.contains("http://127.0.0.1:8000/health/"))
        // nginx depends on web: once web has a healthcheck, nginx can wait for it.
        #expect(!withEndpoint.humanItems.contains { $0.rule == "depends-on-unhealthy" && $0.service == "nginx" })
    }

    @Test("resource profiles set different limits")
    func profiles() throws {
        let project = try ComposeLoader.load(files: [Corpus.root + "/projects/shop/docker-compose.yml"], environment: [:])
        #expect(Hardener(profile: .small).plan(for: project).overrideYAML.contains("memory: \"512M\""))
        #expect(Hardener(profile: .large).plan(for: project).overrideYAML.contains("memory: \"4G\""))
        #expect(HardenProfile.named("huge") == nil)
    }

    @Test("default compose files: the first of compose's names, with its override file")
    func defaultFiles() throws {
        let directory = try TemporaryDirectory(prefix: "default-files")
        defer { directory.remove() }
        #expect(throws: ComposeError.self) { try ComposeLoader.defaultFiles(in: directory.path) }
        try directory.write("docker-compose.yml", "services: {}\n")
        try directory.write("compose.yaml", "services: {}\n")
        try directory.write("compose.override.yaml", "services: {}\n")
        #expect(try ComposeLoader.defaultFiles(in: directory.path)
                == [directory.path + "/compose.yaml", directory.path + "/compose.override.yaml"])
        #expect(try ProjectLocator.composeFiles(explicit: ["x.yml"], configPath: directory.path + "/shipshape.yml") == ["x.yml"])
    }
}
