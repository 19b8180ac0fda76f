import Foundation
import TestSupport
import Testing

/// `shipshape config check` and `secrets generate` as a user runs them, on files written by the test.
@Suite("shipshape config check")
struct ConfigCheckCommandTests {
    static func makeCertificate(_ name: String, in directory: TemporaryDirectory) async throws {
        let result = try await ProcessRunner.run(
            [
                "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
                "-subj", "/CN=\(name)", "-keyout", "\(name).key", "-out", "\(name).pem",
            ], currentDirectory: directory.path)
        try #require(result.status == 0, "\(result.stderr)")
    }

    static let config = """
        project: shop
        gateway:
          https: 127.0.0.1:8443
          tls:
            certificates:
              - { cert: site.pem, key: site.key }
          routes: [{ match: /, service: app }]
        services:
          app: { targets: [127.0.0.1:8000] }
        backup:
          store: backups
          encryption: { passphrase_file: secrets/backup_passphrase.txt }
          sources:
            - files: [media/]
        """

    @Test("an unknown key is an error naming file, line, column and key, with a suggestion; exit 1")
    func unknownKey() async throws {
        let directory = try TemporaryDirectory(prefix: "config-check")
        defer { directory.remove() }
        try directory.write("shipshape.yml", "project: shop\ngateway:\n  limits:\n    header_timout: 10s\n")
        let result = try await ShipshapeProcess.run(["config", "check"], in: directory.path)
        #expect(result.status == 1)
        #expect(
            result.stderr.contains(
                "shipshape.yml:4:5: gateway.limits.header_timout: unknown key 'header_timout'; did you mean 'header_timeout'?"),
            "\(result.stderr)")
    }

    @Test("every unknown key and each part's first bad value are reported at once, in file order; the JSON lists them all")
    func everyProblemAtOnce() async throws {
        let directory = try TemporaryDirectory(prefix: "config-check")
        defer { directory.remove() }
        try directory.write(
            "shipshape.yml",
            """
            project: shop
            gateway:
              limits:
                header_timout: 10s
                max_body_size: 0
              trusted_proxies: [10.0.0.0/8, not-a-cidr]
              routes:
                - { match: /api, servce: api }
                - { match: /, service: wbe }
            services:
              web:
                targets: [127.0.0.1:3000]
                helth: { path: /health }
              api:
                targets: [not-an-address]
            backup:
              schedule: "61 2 * * *"
              store: backups
              retention: { daily: 7, wekly: 4 }
              encryption: { passphrase_file: pass.txt }
              sources: [{ files: [data/] }]
            """)
        let result = try await ShipshapeProcess.run(["config", "check"], in: directory.path)
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        let expected = [
            "shipshape.yml:4:5: gateway.limits.header_timout: unknown key 'header_timout'; did you mean 'header_timeout'?",
            "shipshape.yml:5:20: gateway.limits.max_body_size: must be more than 0",
            "shipshape.yml:6:33: gateway.trusted_proxies[1]: 'not-a-cidr' is not a CIDR",
            // A misspelt required key is one error, not a second saying the key is missing.
            "shipshape.yml:8:22: gateway.routes[0].servce: unknown key 'servce'; did you mean 'service'?",
            "shipshape.yml:9:7: gateway.routes[1]: route to unknown service 'wbe'; did you mean 'web'?",
            "shipshape.yml:13:5: services.web.helth: unknown key 'helth'; did you mean 'health'?",
            "shipshape.yml:15:15: services.api.targets[0]: 'not-an-address' is not an address",
            "shipshape.yml:17:13: backup.schedule: The minute field '61'",
            "shipshape.yml:19:26: backup.retention.wekly: unknown key 'wekly'; did you mean 'weekly'?",
        ]
        #expect(lines.count == expected.count, "\(result.stderr)")
        for (line, prefix) in zip(lines, expected) {
            #expect(line.hasPrefix("Error: " + prefix), "\(line)")
        }

        let json = try await ShipshapeProcess.run(["config", "check", "--json"], in: directory.path)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["valid"] as? Bool == false)
        #expect(object["line"] as? Int == 4)
        #expect((object["errors"] as? [[String: Any]])?.compactMap { $0["line"] as? Int } == [4, 5, 6, 8, 9, 13, 15, 17, 19])
    }

    @Test("every missing file the configuration names is reported at its line, all at once; --syntax-only skips them")
    func missingFiles() async throws {
        let directory = try TemporaryDirectory(prefix: "config-check")
        defer { directory.remove() }
        try directory.write("shipshape.yml", Self.config)
        let result = try await ShipshapeProcess.run(["config", "check"], in: directory.path)
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 4, "\(result.stderr)")
        #expect(lines.contains { $0.hasPrefix("Error: shipshape.yml:6:17: gateway.tls.certificates[0].cert: site.pem") && $0.hasSuffix("does not exist") })
        #expect(lines.contains { $0.hasPrefix("Error: shipshape.yml:6:32: gateway.tls.certificates[0].key: site.key") })
        #expect(lines.contains { $0.hasPrefix("Error: shipshape.yml:12:34: backup.encryption.passphrase_file: secrets/backup_passphrase.txt") })
        #expect(lines.contains { $0.hasPrefix("Error: shipshape.yml:14:15: backup.sources[0].files[0]: media/") })

        let json = try await ShipshapeProcess.run(["config", "check", "--json"], in: directory.path)
        #expect(json.status == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["valid"] as? Bool == false)
        #expect((object["errors"] as? [[String: Any]])?.count == 4)
        #expect(object["key"] as? String == "gateway.tls.certificates[0].cert")
        #expect(object["line"] as? Int == 6)

        let syntax = try await ShipshapeProcess.run(["config", "check", "--syntax-only"], in: directory.path)
        #expect(syntax.status == 0, "\(syntax.stderr)")
        #expect(syntax.stdout.contains("OK — project shop"))
    }

    @Test("a key that does not match its certificate, an expired certificate, or a file that is not PEM, is an error at that certificate")
    func certificatePairs() async throws {
        let directory = try TemporaryDirectory(prefix: "config-check")
        defer { directory.remove() }
        try directory.write("shipshape.yml", Self.config)
        try FileManager.default.createDirectory(atPath: "\(directory.path)/media", withIntermediateDirectories: true)
        try directory.write("secrets/backup_passphrase.txt", "correct horse battery staple\n")
        try await Self.makeCertificate("site", in: directory)
        try await Self.makeCertificate("other", in: directory)

        let valid = try await ShipshapeProcess.run(["config", "check"], in: directory.path)
        #expect(valid.status == 0, "\(valid.stderr)")
        #expect(valid.stdout.contains("OK — project shop, services: app, 4 referenced files readable"), "\(valid.stdout)")

        try FileManager.default.removeItem(atPath: "\(directory.path)/site.key")
        try FileManager.default.copyItem(atPath: "\(directory.path)/other.key", toPath: "\(directory.path)/site.key")
        let mismatched = try await ShipshapeProcess.run(["config", "check"], in: directory.path)
        #expect(mismatched.status == 1)
        #expect(
            mismatched.stderr.contains(
                "shipshape.yml:6:9: gateway.tls.certificates[0]: \(directory.path)/site.key is not the private key of the certificate in \(directory.path)/site.pem"),
            "\(mismatched.stderr)")

        // A pair that loads but expired in 2020: every client would refuse it.
        try directory.write("ca/index.txt", "")
        try directory.write("ca/serial", "01\n")
        try directory.write(
            "ca/ca.cnf",
            "[ca]\ndefault_ca = own\n[own]\ndir = \(directory.path)/ca\ndatabase = $dir/index.txt\nnew_certs_dir = $dir\n"
                + "serial = $dir/serial\ndefault_md = sha256\npolicy = any\n[any]\ncommonName = supplied\n")
        for command in [
            ["openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=site",
             "-keyout", "site.key", "-out", "site.csr"],
            ["openssl", "ca", "-batch", "-config", "ca/ca.cnf", "-selfsign", "-keyfile", "site.key", "-in", "site.csr",
             "-out", "site.pem", "-startdate", "20200101000000Z", "-enddate", "20200201000000Z"],
        ] {
            let made = try await ProcessRunner.run(command, currentDirectory: directory.path)
            try #require(made.status == 0, "\(made.stderr)")
        }
        let expired = try await ShipshapeProcess.run(["config", "check"], in: directory.path)
        #expect(expired.status == 1)
        #expect(
            expired.stderr.contains("shipshape.yml:6:9: gateway.tls.certificates[0]: site.pem expired on 2020-02-01T00:00:00Z; clients refuse it"),
            "\(expired.stderr)")

        try directory.write("site.pem", "not a certificate\n")
        let garbage = try await ShipshapeProcess.run(["config", "check"], in: directory.path)
        #expect(garbage.status == 1)
        #expect(garbage.stderr.contains("gateway.tls.certificates[0]: cannot load \(directory.path)/site.pem"), "\(garbage.stderr)")
    }

    @Test("proxy refuses to start when a key is not its certificate's, also for a second certificate chosen by SNI")
    func proxyRefusesMismatchedPair() async throws {
        let directory = try TemporaryDirectory(prefix: "config-check")
        defer { directory.remove() }
        for name in ["site", "other", "third"] { try await Self.makeCertificate(name, in: directory) }
        let port = try ProcessRunner.freePort()
        try directory.write(
            "shipshape.yml",
            """
            project: shop
            gateway:
              http: null
              https: 127.0.0.1:\(port)
              tls:
                certificates:
                  - { cert: site.pem, key: site.key }
                  - { cert: other.pem, key: third.key }
              admin: { socket: admin.sock, metrics: null }
            """)
        // A gateway that accepted the pair would serve until the timeout (exit 124).
        let proxy = try await ShipshapeProcess.run(
            ["proxy"], in: directory.path, environment: ["SHIPSHAPE_LOG_LEVEL": "error"], timeout: 10)
        #expect(proxy.status == 1)
        #expect(
            proxy.stderr.contains("\(directory.path)/third.key is not the private key of the certificate in \(directory.path)/other.pem"),
            "\(proxy.stderr)")
    }

    @Test("secrets generate writes the backup passphrase shipshape.yml names, mode 0600, and keeps an existing one")
    func generatesOwnedSecrets() async throws {
        let directory = try TemporaryDirectory(prefix: "config-check")
        defer { directory.remove() }
        try directory.write("shipshape.yml", Self.config)
        try directory.write(
            "docker-compose.yml",
            "services:\n  db:\n    image: postgres:16\n    secrets: [db_password]\nsecrets:\n  db_password: { file: ./secrets/db_password.txt }\n")
        let first = try await ShipshapeProcess.run(["secrets", "generate"], in: directory.path)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("secrets/backup_passphrase.txt: password, generated"), "\(first.stdout)")
        #expect(first.stdout.contains("secrets/db_password.txt: password, generated"), "\(first.stdout)")
        let path = "\(directory.path)/secrets/backup_passphrase.txt"
        let passphrase = try String(contentsOfFile: path, encoding: .utf8)
        #expect(passphrase.count > 40)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        let second = try await ShipshapeProcess.run(["secrets", "generate"], in: directory.path)
        #expect(second.stdout.contains("secrets/backup_passphrase.txt: password, kept"), "\(second.stdout)")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == passphrase)
    }

    @Test("the examples shipped in examples/ load, and name only the files a deployment provides")
    func examples() async throws {
        let examples = "\(ProcessRunner.packageRoot)/examples"
        let result = try await ShipshapeProcess.run(["config", "check", "--json"], in: examples)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stdout)")
        // Certificates, the generated secrets and the media directory exist only where the shop runs.
        let keys = Set(((object["errors"] as? [[String: Any]]) ?? []).compactMap { $0["key"] as? String })
        #expect(
            keys.isSubset(of: [
                "gateway.tls.certificates[0].cert", "gateway.tls.certificates[0].key", "backup.encryption.passphrase_file",
                "backup.sources[0].postgres.password_file", "backup.sources[2].files[0]",
            ]), "\(result.stdout)")
        let audit = try await ShipshapeProcess.run(["audit", "--json"], in: examples)
        #expect(audit.status == 0, "\(audit.stderr)")
        #expect(audit.stdout.contains("\"score\""))
    }
}
