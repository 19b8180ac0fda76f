import ShipshapeCore
import Testing

@Suite("shipshape.yml loader")
struct ConfigurationLoaderTests {
    static let contractExample = """
        project: shop
        compose: [docker-compose.yml]
        gateway:
          http: 0.0.0.0:80
          https: 0.0.0.0:443
          tls:
            min_version: "1.3"
            certificates: [{ cert: certs/shop.pem, key: certs/shop.key }]
          headers: { X-Frame-Options: null, X-Extra: yes }
          compression: { min_size: 1KB }
          limits: { header_timeout: 10s, idle_timeout: 75s, max_header_size: 16KB, max_body_size: 10MB,
                    max_connections: 10000, upstream_connect_timeout: 5s, upstream_timeout: 60s }
          trusted_proxies: [10.0.0.0/8]
          rate_limit_store: memory
          rate_limits:
            - { name: health, match: /health, rate: unlimited }
            - { name: auth, match: /api/auth/, key: ip,               rate: 10/m,  burst: 5 }
            - { name: ai,   match: /api/ai/,   key: header:X-User-ID, rate: 30/m }
            - { name: api,  match: /api/,      key: header:X-User-ID, rate: 100/m, burst: 20 }
          routes:
            - { match: /api/, service: backend }
            - { match: /,     service: frontend }
          admin: { socket: /run/shipshape/admin.sock, metrics: 127.0.0.1:9180 }
        services:
          backend:
            runtime: docker
            port: 8000
            health: { path: /health/, interval: 2s, timeout: 1s, healthy: 2, unhealthy: 3 }
            smoke: [{ path: /api/products/, status: 200 }]
            drain: 30s
          frontend: { runtime: static, targets: [127.0.0.1:3000] }
        backup:
          schedule: "0 2 * * *"
          store: /var/backups/shop
          encryption: { recipients: [age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq] }
          retention: { daily: 7, weekly: 4, monthly: 12 }
          sources:
            - postgres: { service: postgres, databases: [shop], user: app_user, password_file: secrets/db_password.txt }
            - postgres: { host: 10.0.0.5, row_counts: false }
            - redis: { service: redis }
            - files: [media/, config/, certs/]
          verify: { schedule: "0 4 * * 0", checks: ["SELECT count(*) > 0 FROM users"] }
        """

    @Test("reads every key of the documented example")
    func readsContractExample() throws {
        let config = try ShipshapeConfiguration.parse(yaml: Self.contractExample, file: "shipshape.yml")
        #expect(config.project == "shop")
        #expect(config.gateway.https == HostPort(host: "0.0.0.0", port: 443))
        #expect(config.gateway.tls.minVersion == .tls13)
        #expect(config.gateway.limits.maxBodySize == .megabytes(10))
        #expect(config.gateway.limits.headerTimeout == .seconds(10))
        #expect(config.gateway.rateLimits.policies.map(\.name) == ["health", "auth", "ai", "api"])
        #expect(config.gateway.rateLimits.policies[1].burst == 5)
        #expect(config.gateway.rateLimits.policies[0].rate == .unlimited)
        #expect(config.gateway.rateLimits.policies[2].rate == .limited(count: 30, period: .seconds(60)))
        #expect(config.gateway.headers.first { $0.name == "X-Frame-Options" }?.value == nil)
        #expect(config.gateway.routes.map(\.service) == ["backend", "frontend"])
        #expect(config.services["backend"]?.runtime == .docker)
        #expect(config.services["backend"]?.health.path == "/health/")
        #expect(config.services["frontend"]?.targets == [HostPort(host: "127.0.0.1", port: 3000)])
        #expect(config.backup?.retention == .init(daily: 7, weekly: 4, monthly: 12))
        #expect(config.backup?.sources.count == 4)
        #expect(config.backup?.sources.first == .postgres(.init(
            service: "postgres", databases: ["shop"], user: "app_user", passwordFile: "secrets/db_password.txt")))
        #expect(config.backup?.sources.dropFirst().first == .postgres(.init(host: "10.0.0.5", rowCounts: false)))
        #expect(config.backup?.verifyChecks == ["SELECT count(*) > 0 FROM users"])
    }

    @Test("an unknown key names the file, the line, the key path and the likely intended key")
    func unknownKeySuggestion() throws {
        let yaml = """
            project: shop
            gateway:
              limits:
                header_timout: 10s
            """
        let error = try #require(throws: ConfigError.self) {
            try ShipshapeConfiguration.parse(yaml: yaml, file: "shipshape.yml")
        }
        #expect(error.line == 4)
        #expect(error.keyPath == "gateway.limits.header_timout")
        #expect(error.userMessage.contains("shipshape.yml:4"))
        #expect(error.userMessage.contains("did you mean 'header_timeout'?"))
    }

    @Test("a malformed duration is reported at its line with the accepted forms")
    func badDuration() throws {
        let yaml = "project: shop\ngateway:\n  limits: { idle_timeout: forever }\n"
        let error = try #require(throws: ConfigError.self) {
            try ShipshapeConfiguration.parse(yaml: yaml, file: "x.yml")
        }
        #expect(error.line == 3)
        #expect(error.keyPath == "gateway.limits.idle_timeout")
        #expect(error.message.contains("500ms, 10s, 5m, 1h"))
    }

    @Test("a zero limit that would refuse or cut every request is an error at its key; a zero shutdown timeout is not",
        arguments: [
            ("header_timeout: 0s", "header_timeout", "408"), ("idle_timeout: 0ms", "idle_timeout", "close every connection"),
            ("max_header_size: 0B", "max_header_size", "431"), ("max_body_size: 0KB", "max_body_size", "not 'unlimited'"),
            ("upstream_connect_timeout: 0s", "upstream_connect_timeout", "fail every connection"),
            ("upstream_timeout: 0s", "upstream_timeout", "504"),
        ])
    func zeroLimits(setting: String, key: String, meaning: String) throws {
        let error = try #require(throws: ConfigError.self) {
            try ShipshapeConfiguration.parse(yaml: "project: shop\ngateway:\n  limits: { \(setting) }\n", file: "x.yml")
        }
        #expect(error.line == 3)
        #expect(error.keyPath == "gateway.limits.\(key)")
        #expect(error.message.hasPrefix("must be more than 0") && error.message.contains(meaning), "\(error.message)")
        let immediate = try ShipshapeConfiguration.parse(yaml: "project: shop\ngateway:\n  limits: { shutdown_timeout: 0s }\n", file: "x.yml")
        #expect(immediate.gateway.limits.shutdownTimeout == .zero)
    }

    @Test("a zero health check interval (probing without pause) or timeout is an error at its key")
    func zeroHealthInterval() throws {
        for (setting, key) in [("interval: 0s", "interval"), ("timeout: 0ms", "timeout")] {
            let yaml = "project: shop\nservices:\n  app:\n    targets: [127.0.0.1:80]\n    health: { path: /h, \(setting) }\n"
            let error = try #require(throws: ConfigError.self) { try ShipshapeConfiguration.parse(yaml: yaml, file: "x.yml") }
            #expect(error.line == 5)
            #expect(error.keyPath == "services.app.health.\(key)")
            #expect(error.message.hasPrefix("must be more than 0"))
        }
    }

    @Test("a backup schedule that cannot run, a negative retention or one that keeps nothing is an error at its line",
        arguments: [
            (#"schedule: "61 * * * *""#, "backup.schedule", "The minute field '61'"),
            (#"verify: { schedule: "0 4 * * 8" }"#, "backup.verify.schedule", "The day of week field '8'"),
            (#"schedule: "0 0 30 2 *""#, "backup.schedule", "never runs"),
            ("retention: { daily: -1 }", "backup.retention.daily", "must be 0 or more"),
            ("retention: { daily: 0, weekly: 0 }", "backup.retention", "keeps nothing"),
        ])
    func backupScheduleAndRetention(setting: String, key: String, message: String) throws {
        let yaml = "project: shop\nbackup:\n  store: st\n  encryption: { passphrase_file: p }\n  sources: [{ files: [x] }]\n  \(setting)\n"
        let error = try #require(throws: ConfigError.self) { try ShipshapeConfiguration.parse(yaml: yaml, file: "x.yml") }
        #expect(error.line == 6)
        #expect(error.keyPath == key)
        #expect(error.message.contains(message), "\(error.message)")
        let daily = try ShipshapeConfiguration.parse(yaml: yaml.replacingOccurrences(of: setting, with: #"schedule: "@daily""#), file: "x.yml")
        #expect(daily.backup?.schedule == "@daily")
    }

    @Test("a postgres source's compression is pg_dump's zlib level: 1 unless set, 0 to 9, anything else an error at its line")
    func postgresCompression() throws {
        func parse(_ settings: String) throws -> ShipshapeConfiguration {
            let yaml = "project: shop\nbackup:\n  store: st\n  encryption: { passphrase_file: p }\n  sources:\n    - postgres: { host: db\(settings) }\n"
            return try ShipshapeConfiguration.parse(yaml: yaml, file: "x.yml")
        }
        func level(_ configuration: ShipshapeConfiguration) -> Int? {
            guard case .postgres(let source) = configuration.backup?.sources.first else { return nil }
            return source.compression
        }
        #expect(level(try parse("")) == 1)
        #expect(level(try parse(", compression: 9")) == 9)
        #expect(level(try parse(", compression: 0")) == 0)
        let error = try #require(throws: ConfigError.self) { try parse(", compression: 10") }
        #expect(error.line == 6)
        #expect(error.keyPath == "backup.sources[0].postgres.compression")
        #expect(error.message.contains("0 (none) to 9"), "\(error.message)")
    }

    @Test("backup encryption: a recipient that is not an age X25519 key, or recipients beside a passphrase, is an error at its line",
        arguments: [
            ("{ recipients: [age1abc] }", "backup.encryption.recipients[0]", "is not an age X25519 recipient"),
            // The right prefix and length, one character of the checksum changed.
            ("{ recipients: [age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gg] }", "backup.encryption.recipients[0]",
             "is not an age X25519 recipient"),
            ("{ recipients: [AGE1QYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQS3290GQ] }", "backup.encryption.recipients[0]",
             "is not an age X25519 recipient"),
            ("{ recipients: [age1qyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqszqgpqyqs3290gq], passphrase_file: p }",
             "backup.encryption.passphrase_file", "not both"),
        ])
    func backupEncryption(setting: String, key: String, message: String) throws {
        let yaml = "project: shop\nbackup:\n  store: st\n  sources: [{ files: [x] }]\n  encryption: \(setting)\n"
        let error = try #require(throws: ConfigError.self) { try ShipshapeConfiguration.parse(yaml: yaml, file: "x.yml") }
        #expect(error.line == 5)
        #expect(error.keyPath == key)
        #expect(error.message.contains(message), "\(error.message)")
    }

    @Test("a postgres source may name a service and the host inside its container; it must name one of them")
    func postgresServiceAndHost() throws {
        let yaml = "project: shop\nbackup:\n  store: st\n  encryption: { passphrase_file: p }\n  sources:\n    - postgres: { service: db, host: /var/run/postgresql }\n"
        let configuration = try ShipshapeConfiguration.parse(yaml: yaml, file: "x.yml")
        guard case .postgres(let source) = configuration.backup?.sources.first else {
            Issue.record("no postgres source")
            return
        }
        #expect(source.service == "db" && source.host == "/var/run/postgresql")
        let neither = yaml.replacingOccurrences(of: "service: db, host: /var/run/postgresql", with: "user: app")
        let error = try #require(throws: ConfigError.self) { try ShipshapeConfiguration.parse(yaml: neither, file: "x.yml") }
        #expect(error.line == 6 && error.message.contains("names a compose 'service'"), "\(error)")
    }

    @Test("the files a configuration names: certificate pairs, secrets and host paths to back up, not paths inside containers")
    func fileReferences() throws {
        let yaml = """
            project: shop
            gateway:
              https: 0.0.0.0:443
              tls: { certificates: [{ cert: certs/a.pem, key: /etc/ssl/a.key }] }
            backup:
              store: backups
              encryption: { passphrase_file: secrets/pass.txt }
              sources:
                - postgres: { host: 127.0.0.1, password_file: secrets/db.txt }
                - files: [media/, "uploads:/var/www/media"]
            """
        let configuration = try ShipshapeConfiguration.parse(yaml: yaml, file: "/srv/shop/shipshape.yml", baseDirectory: "/srv/shop")
        let references = configuration.fileReferences
        #expect(references.map(\.keyPath) == [
            "gateway.tls.certificates[0].cert", "gateway.tls.certificates[0].key", "backup.encryption.passphrase_file",
            "backup.sources[0].postgres.password_file", "backup.sources[1].files[0]",
        ])
        #expect(references.map(\.resolved) == [
            "/srv/shop/certs/a.pem", "/etc/ssl/a.key", "/srv/shop/secrets/pass.txt", "/srv/shop/secrets/db.txt", "/srv/shop/media",
        ])
        let errors = configuration.unreadableFiles(text: yaml)
        #expect(errors.count == 5)
        #expect(errors.first?.line == 4 && errors.first?.message.hasSuffix("does not exist") == true)
    }

    @Test("a header name that is not a token, or a value with a line break, is refused: either would make malformed responses")
    func headerSyntax() throws {
        for (headers, key) in [("{ Bad Header: x }", "gateway.headers.Bad Header"), (#"{ X-Thing: "a\r\nSet-Cookie: x=1" }"#, "gateway.headers.X-Thing")] {
            let error = try #require(throws: ConfigError.self) {
                try ShipshapeConfiguration.parse(yaml: "project: shop\ngateway:\n  headers: \(headers)\n", file: "x.yml")
            }
            #expect(error.line == 3)
            #expect(error.keyPath == key)
        }
        let fine = try ShipshapeConfiguration.parse(
            yaml: "project: shop\ngateway:\n  headers: { X-Frame-Options: null, Content-Security-Policy: \"default-src 'self'\" }\n",
            file: "x.yml")
        #expect(fine.gateway.headers.count == 2)
    }

    @Test("a Redis store URL that cannot be used is an error at its line, without the password it holds")
    func redisStoreURL() throws {
        for url in ["redis://:s3cret@localhost:99999/0", "redis://:s3cret@cache/x", "rediss:/:s3cret@cache"] {
            let error = try #require(throws: ConfigError.self) {
                try ShipshapeConfiguration.parse(yaml: "project: shop\ngateway:\n  rate_limit_store: \(url)\n", file: "x.yml")
            }
            #expect(error.line == 3)
            #expect(error.keyPath == "gateway.rate_limit_store")
            #expect(!error.userMessage.contains("s3cret"), "\(error.userMessage)")
        }
        let fine = try ShipshapeConfiguration.parse(yaml: "project: shop\ngateway:\n  rate_limit_store: redis://:pw@[::1]:6380/2\n", file: "x.yml")
        #expect(fine.gateway.rateLimits.store == .redis(url: "redis://:pw@[::1]:6380/2"))
    }

    @Test("a route to a service that does not exist is an error with a suggestion")
    func routeToUnknownService() throws {
        let yaml = """
            project: shop
            gateway:
              routes:
                - { match: /, service: fronend }
            services:
              frontend: { targets: [127.0.0.1:3000] }
            """
        let error = try #require(throws: ConfigError.self) {
            try ShipshapeConfiguration.parse(yaml: yaml, file: "shipshape.yml")
        }
        #expect(error.line == 4)
        #expect(error.message.contains("did you mean 'frontend'?"))
    }

    @Test("invalid YAML is reported with its line")
    func invalidYAML() throws {
        let error = try #require(throws: ConfigError.self) {
            try ShipshapeConfiguration.parse(yaml: "project: shop\ngateway: [unclosed\n", file: "bad.yml")
        }
        #expect(error.line != nil)
        #expect(error.message.hasPrefix("invalid YAML"))
    }

    @Test("an HTTPS listener without any certificate source is refused")
    func httpsNeedsCertificates() throws {
        let yaml = "project: shop\ngateway:\n  https: 0.0.0.0:443\n"
        let error = try #require(throws: ConfigError.self) {
            try ShipshapeConfiguration.parse(yaml: yaml, file: "shipshape.yml")
        }
        #expect(error.message.contains("certificates"))
    }

    @Test("a bad rate limit key is explained")
    func badRateLimitKey() throws {
        let yaml = "project: shop\ngateway:\n  rate_limits:\n    - { name: a, match: /, key: cookie:sid, rate: 1/s }\n"
        let error = try #require(throws: ConfigError.self) {
            try ShipshapeConfiguration.parse(yaml: yaml, file: "shipshape.yml")
        }
        #expect(error.keyPath == "gateway.rate_limits[0].key")
        #expect(error.message.contains("header:NAME"))
    }

    @Test("ACME settings: defaults to Let's Encrypt, reads the private CA and cache, refuses an empty domain list")
    func acmeSettings() throws {
        let base = "project: shop\ngateway:\n  https: 0.0.0.0:443\n  tls:\n    acme: "
        let config = try ShipshapeConfiguration.parse(
            yaml: base + "{ email: ops@shop.example, domains: [shop.example], ca_file: ca.pem, cache: state/acme }\n", file: "shipshape.yml")
        let acme = try #require(config.gateway.tls.acme)
        #expect(acme.directory == TLSConfiguration.ACME.letsEncrypt)
        #expect(acme.domains == ["shop.example"] && acme.caFile == "ca.pem" && acme.cache == "state/acme")
        let error = try #require(throws: ConfigError.self) {
            try ShipshapeConfiguration.parse(yaml: base + "{ email: ops@shop.example, domains: [] }\n", file: "shipshape.yml")
        }
        #expect(error.keyPath == "gateway.tls.acme.domains")
        #expect(error.line == 5)
    }
}
