import Audit
import Compose
import Foundation
import Testing
import TestSupport

@Suite("Secrets generate and check")
struct SecretsTests {
    func mode(_ path: String) throws -> Int {
        try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber).intValue
    }

    @Test("a ${VAR} reference is no inline secret in either environment form, even when .env sets it; a literal ${VAR:-default} is")
    func interpolatedEnvironment() throws {
        let directory = try TemporaryDirectory(prefix: "secrets-interpolated")
        defer { directory.remove() }
        try directory.write(".env", "DB_PASSWORD=hunter2hunter2\n")
        try directory.write(
            "docker-compose.yml",
            """
            services:
              app:
                image: registry.example/app:1
                environment:
                  - DB_PASSWORD=${DB_PASSWORD}
                  - EMPTY_TOKEN=${EMPTY_TOKEN:-}
                  - NESTED_SECRET=${NESTED_SECRET:-${FALLBACK_SECRET}}
              api:
                image: registry.example/api:1
                environment:
                  DB_PASSWORD: ${DB_PASSWORD}
                  API_TOKEN: ${API_TOKEN:-sk_live_abcdefghijklmnop1234567890}
            """)
        let project = try ComposeLoader.load(files: [directory.path + "/docker-compose.yml"], environment: [:])
        let inline = Auditor().audit(project).findings.filter { $0.rule == "inline-secret" }
        #expect(inline.map(\.location.line) == [12], "only API_TOKEN's literal default: \(inline.map(\.message))")
        #expect(inline.first?.service == "api")
    }

    @Test("generate writes random passwords (32 bytes base64) and JWT keys (256-bit hex) with mode 0600")
    func generate() throws {
        let directory = try TemporaryDirectory(prefix: "secrets-generate")
        defer { directory.remove() }
        try directory.write(".gitignore", "node_modules/\n")
        let generator = SecretGenerator(projectDirectory: directory.path)
        let requests = SecretGenerator.requests(from: ["db_password": "./secrets/db_password.txt", "jwt_secret": "./secrets/jwt_secret.txt"])
        #expect(requests.map(\.kind) == [.password, .jwt])
        let written = try generator.generate(requests)
        #expect(written == ["secrets/db_password.txt", "secrets/jwt_secret.txt"])
        let password = try String(contentsOfFile: directory.path + "/secrets/db_password.txt", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(Data(base64Encoded: password)?.count == 32)
        let jwt = try String(contentsOfFile: directory.path + "/secrets/jwt_secret.txt", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(jwt.count == 64 && jwt.allSatisfy(\.isHexDigit))
        #expect(try mode(directory.path + "/secrets/db_password.txt") == 0o600)
        #expect(try mode(directory.path + "/secrets/jwt_secret.txt") == 0o600)
        #expect(try mode(directory.path + "/secrets") == 0o700)
        let ignore = try String(contentsOfFile: directory.path + "/.gitignore", encoding: .utf8)
        #expect(ignore.hasPrefix("node_modules/\n") && ignore.contains("\nsecrets/\n"))

        // Existing files are kept; a second run does not touch .gitignore again.
        #expect(try generator.generate(requests).isEmpty)
        #expect(try String(contentsOfFile: directory.path + "/.gitignore", encoding: .utf8) == ignore)
        let again = try String(contentsOfFile: directory.path + "/secrets/db_password.txt", encoding: .utf8)
        #expect(again.trimmingCharacters(in: .whitespacesAndNewlines) == password)
        // Two values never repeat.
        #expect(SecretGenerator.value(of: .password) != SecretGenerator.value(of: .password))
    }

    @Test("check finds hardcoded secrets in compose, .env and Dockerfiles, readable secret files and tracked secrets")
    func check() async throws {
        #expect(ProcessRunner.isInstalled("git"), "git is missing: run scripts/install-audit-deps.sh")
        let directory = try TemporaryDirectory(prefix: "secrets-check")
        defer { directory.remove() }
        let compose = try directory.write("compose.yaml", """
            services:
              api:
                image: api:1.0
                environment:
                  STRIPE_API_KEY: sk_live_51HxQ2pLq8vZ3nR7tY
                  SESSION: "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZg"
                  DB_PASSWORD: ${DB_PASSWORD}
                  LOG_LEVEL: info
              worker:
                image: api:1.0
                environment:
                  - REDIS_URL=redis://:hunter2@cache:6379/0
            secrets:
              db_password:
                file: ./secrets/db_password.txt
            """)
        try directory.write(".env", "DB_PASSWORD=correct-horse-battery\nTZ=UTC\n")
        try directory.write("api/Dockerfile", "FROM alpine:3.20\nENV APP_ENV=production\nARG NPM_TOKEN=npm_abcdef123456\n")
        let secret = try directory.write("secrets/db_password.txt", "hunter2\n")
        _ = chmod(secret, 0o644)

        let clean = await SecretScanner(projectDirectory: directory.path, composeFiles: [compose]).scan()
        let found = Set(clean.findings.map { "\($0.rule)@\(($0.location.file as NSString).lastPathComponent):\($0.location.line)" })
        #expect(found.contains("secret-hardcoded@compose.yaml:5"), "\(found)")
        #expect(found.contains("secret-hardcoded@compose.yaml:6"), "entropy: a long random value under a harmless name")
        #expect(found.contains("secret-hardcoded@compose.yaml:12"), "password inside a URL in list syntax")
        #expect(!found.contains("secret-hardcoded@compose.yaml:7"), "${DB_PASSWORD} is a reference")
        #expect(!found.contains("secret-hardcoded@compose.yaml:8"))
        #expect(found.contains("secret-in-env-file@.env:1") && !found.contains("secret-in-env-file@.env:2"))
        #expect(found.contains("secret-in-dockerfile@Dockerfile:3") && !found.contains("secret-in-dockerfile@Dockerfile:2"))
        #expect(found.contains("secret-file-readable@db_password.txt:1"))
        #expect(!found.contains { $0.hasPrefix("secret-tracked-by-git") }, "not a git repository yet")

        _ = chmod(secret, 0o600)
        for command in [["init", "-q"], ["add", "-f", ".env", "secrets/db_password.txt"]] {
            let result = try await ProcessRunner.run(["git", "-C", directory.path] + command)
            #expect(result.status == 0, "\(result.stderr)")
        }
        let tracked = await SecretScanner(projectDirectory: directory.path, composeFiles: [compose]).scan()
        let trackedFiles = tracked.findings.filter { $0.rule == "secret-tracked-by-git" }.map { ($0.location.file as NSString).lastPathComponent }
        #expect(Set(trackedFiles) == [".env", "db_password.txt"])
        #expect(!tracked.findings.contains { $0.rule == "secret-file-readable" })
        #expect(tracked.findings.first?.severity == .critical)
    }
}
