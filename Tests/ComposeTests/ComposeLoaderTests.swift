import Compose
import Foundation
import Testing
import TestSupport

/// `Tests/ComposeTests/Fixtures/NAME`.
func fixture(_ name: String) -> String {
    ProcessRunner.packageRoot + "/Tests/ComposeTests/Fixtures/" + name
}

@Suite("Compose loader")
struct ComposeLoaderTests {
    @Test("several -f files merge with compose's rules")
    func merge() throws {
        let project = try ComposeLoader.load(
            files: [fixture("merge/compose.yaml"), fixture("merge/override.yaml")], environment: [:])
        let web = try #require(project.services["web"])
        #expect(web.image == "web:2.0")
        #expect(web.command == .shell("serve --fast"), "command replaces")
        #expect(web.healthcheck?.test == ["CMD", "new-check"], "healthcheck.test replaces")
        #expect(web.healthcheck?.interval == "30s", "the rest of healthcheck merges")
        let environment = Dictionary(uniqueKeysWithValues: web.environment.map { ($0.name, $0.value ?? "") })
        #expect(environment == ["LOG_LEVEL": "debug", "KEEP": "yes", "EXTRA": "1"], "list and mapping syntax merge by key")
        #expect(web.labels == ["tier": "front", "version": "2"])
        #expect(web.ports.map(\.shortSyntax) == ["8080:80", "9090:90", "8080:8000", "127.0.0.1:7070:70"],
                "ports merge by their binding: a different target is a different port")
        #expect(web.volumes.map(\.target) == ["/data", "/logs"], "volumes merge by target")
        #expect(web.volumes.first?.readOnly == true && web.volumes.first?.source == "./other")
        #expect(web.secrets.map(\.source) == ["token2"], "secrets merge by target")
        #expect(web.node["dns"]?.strings == ["1.1.1.1", "8.8.8.8"], "other sequences append")
        #expect(web.capAdd.isEmpty, "!reset removes")
        #expect(web.dependsOn.map(\.condition) == ["service_healthy"])
        #expect(project.services["db"]?.ports.map(\.shortSyntax) == ["127.0.0.1:5432:5432"], "!override replaces")
        #expect(Set(project.secrets.keys) == ["token", "token2"])
        // Locations follow the file that wrote the value.
        #expect(web.location(of: "image").file.hasSuffix("override.yaml"))
        #expect(web.location.file.hasSuffix("merge/compose.yaml") && web.location.line == 2)
    }

    @Test("interpolation: $VAR ${VAR} defaults, alternatives, $$, .env under the shell environment")
    func interpolation() throws {
        let project = try ComposeLoader.load(
            files: [fixture("interpolation/compose.yaml")],
            environment: ["NAME": "shop", "EMPTY": "", "BOTH": "from-shell"])
        let app = try #require(project.services["app"])
        let values = Dictionary(uniqueKeysWithValues: app.environment.map { ($0.name, $0.value ?? "") })
        #expect(app.image == "app:1.2.3", "export and quotes in .env")
        #expect(values["PLAIN"] == "shop")
        #expect(values["BRACED"] == "shop")
        #expect(values["DEFAULT_UNSET"] == "fallback")
        #expect(values["DEFAULT_EMPTY_COLON"] == "colon-default")
        #expect(values["DEFAULT_EMPTY_DASH"] == "")
        #expect(values["ALTERNATIVE"] == "was-set")
        #expect(values["NESTED"] == "shop-nested")
        #expect(values["DOLLAR"] == "price: $5")
        #expect(values["FROM_DOTENV"] == "from-file")
        #expect(values["SHELL_WINS"] == "from-shell")
        #expect(values["UNSET"] == "")
        #expect(project.unsetVariables.contains("NEVER_SET"))
        #expect(app.environment.first { $0.name == "BRACED" }?.written == "${NAME}", "the written form is kept")
    }

    @Test("${VAR:?message} fails with the file, line and message")
    func requiredVariable() throws {
        let file = fixture("interpolation/required.yaml")
        #expect(throws: ComposeError.requiredVariable(
            SourceLocation(file: file, line: 6, column: 15), name: "REQUIRED_VAR", message: "set REQUIRED_VAR to the API host")
        ) {
            try ComposeLoader.load(files: [file], environment: [:])
        }
        let loaded = try ComposeLoader.load(files: [file], environment: ["REQUIRED_VAR": "api.internal"])
        #expect(loaded.services["app"]?.environment.last?.value == "api.internal")
    }

    @Test("YAML anchors, aliases and << merge keys (explicit keys win, earlier merges win)")
    func anchors() throws {
        let project = try ComposeLoader.load(files: [fixture("anchors/compose.yaml")], environment: [:])
        let a = try #require(project.services["a"])
        #expect(a.restart == "unless-stopped", "the first merged mapping wins")
        #expect(a.resources.memoryLimit == "256m")
        #expect(a.logging?.options["max-size"] == "10m")
        #expect(project.services["b"]?.restart == "no", "explicit keys beat merged ones")
        #expect(project.services["c"]?.node["logging"]?["restart"]?.string == "unless-stopped", "an alias expands to the anchored mapping")
    }

    @Test("extends from the same file and from another file")
    func extends() throws {
        let project = try ComposeLoader.load(files: [fixture("extends/compose.yaml")], environment: [:])
        let child = try #require(project.services["child"])
        #expect(child.image == "local:1.0")
        #expect(child.environment.first?.value == "child")
        let remote = try #require(project.services["remote"])
        #expect(remote.image == "base:1.0")
        #expect(remote.capDrop == ["ALL"])
        #expect(remote.command == .exec(["run"]))
        #expect(remote.node["extends"] == nil)
    }

    @Test("include adds the services and volumes of another file")
    func include() throws {
        let project = try ComposeLoader.load(files: [fixture("include/compose.yaml")], environment: [:])
        #expect(project.serviceNames == ["app", "db"])
        #expect(project.services["db"]?.image == "postgres:16")
        #expect(project.volumes["dbdata"] != nil)
        #expect(project.services["db"]?.location.file.hasSuffix("sub/db.yaml") == true)
    }

    @Test("profiles: services with profiles run only when one is active (flag or COMPOSE_PROFILES)")
    func profiles() throws {
        let file = fixture("profiles/compose.yaml")
        #expect(try ComposeLoader.load(files: [file], environment: [:]).serviceNames == ["app"])
        #expect(try ComposeLoader.load(files: [file], environment: [:], profiles: ["debug"]).serviceNames == ["app", "debug"])
        #expect(try ComposeLoader.load(files: [file], environment: ["COMPOSE_PROFILES": "monitoring"]).serviceNames
                == ["app", "metrics"])
    }

    @Test("errors name the file and line: YAML syntax, unknown keys with a suggestion, missing dependencies")
    func errors() throws {
        func failure(_ name: String) -> ComposeError? {
            do {
                _ = try ComposeLoader.load(files: [fixture(name)], environment: [:])
                return nil
            } catch {
                return error
            }
        }
        let syntax = try #require(failure("errors/syntax.yaml"))
        #expect(syntax.location?.file == fixture("errors/syntax.yaml"))
        #expect((syntax.location?.line ?? 0) >= 4)
        let unknown = try #require(failure("errors/unknown-key.yaml"))
        #expect(unknown.location?.line == 5 || unknown.location?.line == 4)
        #expect(unknown.userMessage.contains("did you mean 'environment'? Fix"), "\(unknown.userMessage)")
        let missing = try #require(failure("errors/missing-dependency.yaml"))
        #expect(missing.location?.line == 5)
        #expect(missing.userMessage.contains("'db'"))
        #expect(throws: ComposeError.self) { try ComposeLoader.load(files: ["/nonexistent/compose.yaml"], environment: [:]) }
    }

    @Test("a key written twice is reported at its second spelling, in one line")
    func duplicateKey() throws {
        let directory = try TemporaryDirectory(prefix: "compose")
        defer { directory.remove() }
        try directory.write("dup.yml", "services:\n  web:\n    image: a\n  \"web\":\n    image: b\n")
        let file = directory.path + "/dup.yml"
        #expect(throws: ComposeError.invalid(SourceLocation(file: file, line: 4, column: 3), "the key 'web' is written twice in this mapping")) {
            try ComposeLoader.load(files: [file], environment: [:])
        }
    }

    @Test("an empty compose file, or one of comments only, is an error, not a project of no services")
    func emptyFile() throws {
        let directory = try TemporaryDirectory(prefix: "compose")
        defer { directory.remove() }
        for (name, text) in [("empty.yml", ""), ("comments.yml", "# services come later\n"), ("none.yml", "services: {}\n")] {
            try directory.write(name, text)
            let file = directory.path + "/" + name
            #expect(throws: ComposeError.invalid(
                SourceLocation(file: file, line: 1), "no services are defined (an empty compose file?); compose refuses to run it")
            ) {
                try ComposeLoader.load(files: [file], environment: [:])
            }
        }
    }
}
