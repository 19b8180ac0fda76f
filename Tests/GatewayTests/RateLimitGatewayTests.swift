import Foundation
import Gateway
import ShipshapeCore
import Synchronization
import TestSupport
import Testing

@Suite("gateway: rate limits end to end", .serialized)
struct RateLimitGatewayTests {
    static let tiers: [RateLimitConfiguration.Policy] = [
        .init(name: "health", match: "/health", rate: .unlimited),
        // One request every 30 s after a burst of 5: six sequential curls cannot straddle a refill.
        .init(name: "auth", match: "/api/auth/", key: "ip", rate: .limited(count: 2, period: .seconds(60)), burst: 5),
        // One request every 10 s after the burst: four sequential curls can never straddle a refill, however slow
        // the machine (at 100/m one came back after 0.6 s and a loaded CI run let a fourth request through).
        .init(name: "api", match: "/api/", key: "header:X-User-ID", rate: .limited(count: 6, period: .seconds(60)), burst: 3),
        .init(name: "shadow", match: "/dry/", key: "ip", rate: .limited(count: 1, period: .seconds(60)), dryRun: true),
    ]

    @Test("a tier admits exactly its burst, then answers 429 with the quota headers and JSON body")
    func tiers() async throws {
        try await GatewayHarness.with(configure: { config, _ in config.gateway.rateLimits.policies = Self.tiers }) { gateway in
            var statuses: [Int] = []
            var last = try await CurlResponse.run(["\(gateway.http)/api/auth/login"])
            statuses.append(last.status)
            #expect(last.headers["ratelimit-policy"] == #""auth";q=5;w=150"# || last.headers["ratelimit-policy"]?.hasPrefix(#""auth""#) == true)
            #expect(last.headers["x-ratelimit-limit"] != nil)
            for _ in 0..<5 {
                last = try await CurlResponse.run(["\(gateway.http)/api/auth/login"])
                statuses.append(last.status)
            }
            #expect(statuses == [404, 404, 404, 404, 404, 429], "the demo app has no /api/auth/login: 404s pass, the 6th is limited")
            #expect(last.headers["retry-after"].flatMap(Int.init).map { $0 >= 1 && $0 <= 30 } == true)
            #expect(last.headers["x-ratelimit-remaining"] == "0")
            #expect(last.body.hasPrefix(#"{"error":"rate_limited","policy":"auth","retry_after":"#))
            #expect(last.headers["x-request-id"] != nil)
        }
    }

    @Test("header keys give each user their own quota; exempt and dry-run policies never reject")
    func keysAndExemptions() async throws {
        try await GatewayHarness.with(configure: { config, _ in config.gateway.rateLimits.policies = Self.tiers }) { gateway in
            var alice: [Int] = []
            for _ in 0..<4 {
                let status = try await CurlResponse.run(["-H", "X-User-ID: alice", "\(gateway.http)/api/hello"]).status
                alice.append(status)
            }
            #expect(alice == [200, 200, 200, 429])
            let bob = try await CurlResponse.run(["-H", "X-User-ID: bob", "\(gateway.http)/api/hello"])
            #expect(bob.status == 200, "another user's quota is untouched")
            for _ in 0..<10 {
                let health = try await CurlResponse.run(["\(gateway.http)/health"])
                #expect(health.status == 200)
                #expect(health.headers["ratelimit"] == nil, "unlimited policies add no quota headers")
            }
            for _ in 0..<3 {
                let shadow = try await CurlResponse.run(["\(gateway.http)/dry/anything"])
                #expect(shadow.status == 404, "dry run counts but never rejects")
            }
        }
    }

    @Test("jwt:sub keys: a verified token gets its user's quota; forged, unsigned and expired tokens fall back to the IP")
    func verifiedJWTKeys() async throws {
        let keys = try TemporaryDirectory(prefix: "jwt")
        defer { keys.remove() }
        let secret = "gateway-test-secret-of-thirty-two-bytes-or-more"
        let secretFile = try keys.write("hs256.txt", secret + "\n")
        let policy = RateLimitConfiguration.Policy(
            name: "user", match: "/api/", key: "jwt:sub", rate: .limited(count: 2, period: .seconds(60)))
        try await GatewayHarness.with(configure: { config, _ in
            config.gateway.rateLimits = RateLimitConfiguration(
                policies: [policy], jwt: .init(hmacSecretFiles: [secretFile]))
        }) { gateway in
            let url = "\(gateway.http)/api/hello"
            func status(_ token: String?) async throws -> Int {
                try await Self.curl((token.map { ["-H", "Authorization: Bearer \($0)"] } ?? []) + [url]).status
            }
            let alice = try await Self.token(sub: "alice", secret: secret)
            let first = try await Self.curl(["-H", "Authorization: Bearer \(alice)", url])
            #expect(first.status == 200)
            #expect(first.headers["x-ratelimit-remaining"] == "1")
            #expect(try await status(alice) == 200)
            #expect(try await status(alice) == 429, "alice's quota of 2 is spent")

            // Every request below comes from 127.0.0.1, so all invalid tokens share that address's quota of 2.
            let wrongKey = try await Self.token(sub: "alice", secret: "an-attacker-guess-also-32-bytes-long!!")
            #expect(try await status(wrongKey) == 200, "a token with a wrong signature is not counted as alice")
            let unsigned = try await Self.token(sub: "bob", secret: nil)
            #expect(try await status(unsigned) == 200, "alg none is limited by the address (its 2nd request)")
            let expired = try await Self.token(sub: "carol", secret: secret, expiresIn: -3600)
            #expect(try await status(expired) == 429, "an expired token shares the address's spent quota")
            let forgedDave = try await Self.token(sub: "dave", secret: "another-wrong-secret-of-32-bytes-long")
            #expect(try await status(forgedDave) == 429, "a forged subject buys no fresh quota")
            #expect(try await status(nil) == 429, "no token: the same address quota")

            let bob = try await Self.token(sub: "bob", secret: secret)
            #expect(try await status(bob) == 200)
            #expect(try await status(bob) == 200, "the unsigned 'bob' token spent none of bob's quota")
            #expect(try await status(bob) == 429)
        }
    }

    @Test("two gateways sharing a real Redis enforce one combined limit")
    func sharedRedis() async throws {
        let redis = try await ExternalServer.redis()
        defer { redis.stop() }
        let policy = RateLimitConfiguration.Policy(
            // 6 per 10 minutes: twelve sequential curls never last long enough for a refill.
            name: "api", match: "/api/", key: "header:X-User-ID", rate: .limited(count: 6, period: .seconds(600)))
        let configure: @Sendable (inout ShipshapeConfiguration, Int) -> Void = { config, _ in
            config.gateway.rateLimits = RateLimitConfiguration(
                policies: [policy], store: .redis(url: "redis://127.0.0.1:\(redis.port)/0"))
        }
        let first = try await GatewayHarness.start(configure: configure)
        let second = try await GatewayHarness.start(configure: configure)
        var allowed = 0
        for index in 0..<12 {
            let gateway = index.isMultiple(of: 2) ? first : second
            let status = try await CurlResponse.run(["-H", "X-User-ID: shared", "\(gateway.http)/api/hello"]).status
            if status == 200 { allowed += 1 }
        }
        await first.stop()
        await second.stop()
        #expect(allowed == 6, "6 between both gateways, not 6 each")
    }

    @Test("pipelined requests waiting on Redis for their decisions are answered in order, 429s included")
    func pipelinedThroughRedis() async throws {
        let redis = try await ExternalServer.redis()
        defer { redis.stop() }
        let policy = RateLimitConfiguration.Policy(
            name: "api", match: "/api/", key: "ip", rate: .limited(count: 3, period: .seconds(600)), burst: 3)
        try await GatewayHarness.with(configure: { config, _ in
            config.gateway.rateLimits = RateLimitConfiguration(
                policies: [policy], store: .redis(url: "redis://127.0.0.1:\(redis.port)/0"))
        }) { gateway in
            // Each decision is a Redis round trip: the requests behind it wait in the gateway, in order.
            let request = "GET /api/hello HTTP/1.1\r\nHost: t\r\n\r\n"
            let answers = try await rawExchange(port: gateway.httpPort, chunks: [
                String(repeating: request, count: 5) + "GET /health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
            ])
            let responses = Array(answers.components(separatedBy: "HTTP/1.1 ").dropFirst())
            try #require(responses.count == 6, "got: \(answers)")
            #expect(responses.prefix(3).allSatisfy { $0.hasPrefix("200") && $0.contains("hello from the demo app") })
            #expect(responses[3...4].allSatisfy { $0.hasPrefix("429") && $0.contains(#""error":"rate_limited""#) })
            #expect(responses[5].hasPrefix("200") && responses[5].hasSuffix(#"{"status":"ok"}"#))
        }
    }

    @Test("fail-open: Redis killed mid-test, the gateway keeps limiting locally, logs once, and shares again after a restart")
    func redisKilledFailOpen() async throws {
        try await Self.withGatewayProcess(failure: "open") { gateway, redis, port in
            let key = "sk_live_do-not-store-me"
            let url = "http://127.0.0.1:\(port)/api/hello"
            #expect(try await Self.statuses(url, apiKey: key, count: 4) == [200, 200, 200, 429], "shared limit")
            let stored = try await redis.keys()
            #expect(stored.count == 1 && stored.allSatisfy { $0.hasPrefix("shipshape:ratelimit:api:") })
            #expect(!stored.contains { $0.contains(key) }, "Redis holds a hash of the API key, never the key: \(stored)")

            redis.crash()
            #expect(
                try await Self.statuses(url, apiKey: key, count: 4) == [200, 200, 200, 429],
                "local limits while Redis is down: served, and still limited")
            #expect(try await Self.curl(["http://127.0.0.1:\(port)/health"]).status == 200)
            #expect(gateway.output.components(separatedBy: "shared rate limit store unreachable").count == 2, "logged once")

            try await redis.restart()
            // A fresh Redis knows no counts; the local table still says 429, so a 200 means Redis decides again.
            #expect(try await Self.eventually { try await Self.statuses(url, apiKey: key, count: 1) == [200] })
            #expect(try await Self.statuses(url, apiKey: key, count: 3) == [200, 200, 429])
            let recovered = try await redis.keys()
            #expect(recovered.count == 1)
            _ = try await redis.cli(["DEL"] + recovered)
            #expect(try await Self.statuses(url, apiKey: key, count: 1) == [200], "deleting the Redis key resets the limit")
            #expect(gateway.output.components(separatedBy: "shared rate limit store is reachable again").count == 2)
        }
    }

    @Test("fail-closed: limited routes answer 503 while Redis is down; exempt and unmatched routes keep working")
    func redisKilledFailClosed() async throws {
        try await Self.withGatewayProcess(failure: "closed") { gateway, redis, port in
            let url = "http://127.0.0.1:\(port)/api/hello"
            #expect(try await Self.statuses(url, apiKey: "k1", count: 1) == [200])
            redis.crash()
            let refused = try await Self.curl(["-H", "X-API-Key: k1", url])
            #expect(refused.status == 503)
            #expect(refused.headers["retry-after"] == "1")
            #expect(refused.body.hasPrefix(#"{"error":"rate_limit_store_unavailable","policy":"api","retry_after":1"#))
            #expect(try await Self.statuses(url, apiKey: "k2", count: 2) == [503, 503])
            #expect(try await Self.curl(["http://127.0.0.1:\(port)/health"]).status == 200, "exempt")
            #expect(try await Self.curl(["http://127.0.0.1:\(port)/"]).status == 200, "no policy")
            #expect(gateway.output.components(separatedBy: "shared rate limit store unreachable").count == 2, "logged once")
            try await redis.restart()
            #expect(try await Self.eventually { try await Self.statuses(url, apiKey: "k1", count: 1) == [200] })
        }
    }
}

// MARK: - Helpers

extension RateLimitGatewayTests {
    /// A real Redis that the test can kill and bring back on the same port.
    final class RestartableRedis: Sendable {
        let port: Int
        private let server: Mutex<ExternalServer?>

        init() async throws {
            let first = try await ExternalServer.redis()
            port = first.port
            server = Mutex(first)
        }

        /// SIGKILL: no shutdown, connections drop at once.
        func crash() {
            guard let current = server.withLock({ $0 }) else { return }
            kill(current.pid, SIGKILL)
            current.stop()  // waits until the process is gone
            server.withLock { $0 = nil }
        }

        func restart() async throws {
            let started = try await ExternalServer.redis(port: port)
            server.withLock { $0 = started }
        }

        func stop() { server.withLock { $0 }?.stop() }

        func cli(_ arguments: [String]) async throws -> String {
            let result = try await ProcessRunner.run(["redis-cli", "-p", String(port)] + arguments)
            guard result.status == 0 else { throw TestSupportError(message: "redis-cli \(arguments): \(result.stderr)") }
            return result.stdout
        }

        /// Every rate limit key in Redis.
        func keys() async throws -> [String] {
            try await cli(["--scan", "--pattern", "shipshape:ratelimit:*"]).split(separator: "\n").map(String.init)
        }
    }

    /// Runs the real `shipshape proxy` (its log is what an operator reads) with a Redis-backed `api` policy.
    static func withGatewayProcess(
        failure: String, _ body: (ShipshapeProcess, RestartableRedis, Int) async throws -> Void
    ) async throws {
        let directory = try TemporaryDirectory(prefix: "ratelimit-redis")
        defer { directory.remove() }
        let redis = try await RestartableRedis()
        defer { redis.stop() }
        let app = DemoApp(version: "v1")
        let appPort = try await app.start()
        let port = try ProcessRunner.freePort()
        _ = try directory.write(
            "shipshape.yml",
            """
            project: ratelimit
            gateway:
              http: 127.0.0.1:\(port)
              admin: { socket: admin.sock, metrics: null }
              routes: [{ match: /, service: app }]
              rate_limit_store: redis://127.0.0.1:\(redis.port)/0
              rate_limit_failure: \(failure)
              rate_limits:
                - { name: health, match: /health, rate: unlimited }
                - { name: api, match: /api/, key: "header:X-API-Key", rate: 3/m }
            services:
              app: { targets: [127.0.0.1:\(appPort)] }
            """)
        let gateway = try ShipshapeProcess(["proxy", "-c", "shipshape.yml"], directory: directory.path)
        defer { gateway.stop() }
        let serving = await ShipshapeProcess.waitUntilServing("http://127.0.0.1:\(port)/health")
        try #require(serving, "output: \(gateway.output)")
        do {
            try await body(gateway, redis, port)
        } catch {
            await app.stop()
            throw error
        }
        await app.stop()
    }

    /// Statuses of `count` requests with `X-API-Key: apiKey`.
    static func statuses(_ url: String, apiKey: String, count: Int) async throws -> [Int] {
        var statuses: [Int] = []
        for _ in 0..<count { statuses.append(try await curl(["-H", "X-API-Key: \(apiKey)", url]).status) }
        return statuses
    }

    /// Retries `condition` for up to `timeout` seconds (the gateway probes a recovered Redis once a second).
    static func eventually(timeout: Duration = .seconds(10), _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(200))
        }
        return false
    }

    /// `curl` (on a thread of its own, see `offThread`).
    static func curl(_ arguments: [String]) async throws -> CurlResponse {
        try await CurlResponse.run(arguments)
    }

    /// An HS256 token (or `alg: none` when `secret` is nil) signed by Python's standard library.
    static func token(sub: String, secret: String?, expiresIn: Int = 3600) async throws -> String {
        let script = """
            import base64, hashlib, hmac, json, sys, time
            b64 = lambda data: base64.urlsafe_b64encode(data).rstrip(b"=").decode()
            secret = sys.stdin.read()
            alg = "HS256" if secret else "none"
            body = {"sub": sys.argv[1], "exp": int(time.time()) + int(sys.argv[2])}
            signing = b64(json.dumps({"alg": alg, "typ": "JWT"}).encode()) + "." + b64(json.dumps(body).encode())
            signature = b64(hmac.new(secret.encode(), signing.encode(), hashlib.sha256).digest()) if secret else ""
            print(signing + "." + signature)
            """
        // The secret goes through stdin, never argv.
        let result = try await ProcessRunner.run(
            ["python3", "-c", script, sub, String(expiresIn)], input: Data((secret ?? "").utf8))
        guard result.status == 0 else { throw TestSupportError(message: "python3 token: \(result.stderr)") }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
