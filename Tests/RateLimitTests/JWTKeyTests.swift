import Foundation
import JWTKit
import ShipshapeCore
import Testing
import TestSupport

@testable import RateLimit

extension RateLimitTestSuite {
    @Suite("jwt: keys verified with real signatures")
    struct JWTKeyTests {
        struct UserToken: JWTPayload {
            var sub: SubjectClaim
            var tier: String
            var exp: ExpirationClaim

            func verify(using algorithm: some JWTAlgorithm) async throws {}

            init(sub: String, tier: String = "free", expiresIn: TimeInterval = 3600) {
                self.sub = SubjectClaim(value: sub)
                self.tier = tier
                exp = ExpirationClaim(value: Date().addingTimeInterval(expiresIn))
            }
        }

        static let policy = RateLimitConfiguration.Policy(
            name: "user", match: "/api/", key: "jwt:sub", rate: .limited(count: 3, period: .seconds(60)))

        static func base64URL(_ text: String) -> String {
            Data(text.utf8).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
        }

        static func bearer(_ token: String) -> [(name: String, value: String)] {
            [("Authorization", "Bearer \(token)")]
        }

        /// A limiter for `policy` verifying with an HS256 secret kept in `directory`, and a signer with that secret.
        static func hmacLimiter(in directory: TemporaryDirectory) async throws -> (RateLimiter, JWTKeyCollection) {
            let secret = "a-shared-secret-of-at-least-32-bytes"
            let secretFile = try directory.write("secret.txt", secret)
            let limiter = try Fixtures.limiter([policy], clock: ManualClock(), jwt: .init(hmacSecretFiles: [secretFile]))
            let signer = JWTKeyCollection()
            await signer.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
            return (limiter, signer)
        }

        @Test("HS256: a valid token buys its subject's quota; a forged one falls back to the IP key")
        func hmac() async throws {
            let directory = try TemporaryDirectory(prefix: "jwt")
            let secretFile = "\(directory.path)/secret.txt"
            try "correct horse battery staple, at length\n".write(toFile: secretFile, atomically: true, encoding: .utf8)
            let limiter = try Fixtures.limiter(
                [Self.policy], clock: ManualClock(), jwt: .init(hmacSecretFiles: [secretFile]))

            let signer = JWTKeyCollection()
            await signer.add(hmac: "correct horse battery staple, at length", digestAlgorithm: .sha256)
            let alice = try await signer.sign(UserToken(sub: "alice"))
            let forger = JWTKeyCollection()
            await forger.add(hmac: "a-guessed-secret-also-long-enough!!", digestAlgorithm: .sha256)
            let forged = try await forger.sign(UserToken(sub: "alice"))

            // Alice from two addresses shares one quota of 3.
            let fromHome = Fixtures.request("/api/x", ip: "198.51.100.1", headers: Self.bearer(alice))
            let fromWork = Fixtures.request("/api/x", ip: "198.51.100.2", headers: Self.bearer(alice))
            #expect(try await limiter.allowedCount(of: fromHome, count: 2) == 2)
            #expect(try await limiter.allowedCount(of: fromWork, count: 2) == 1)
            // The forged token does not draw on (or consume) Alice's quota: it is limited per address.
            let attacker = Fixtures.request("/api/x", ip: "192.0.2.66", headers: Self.bearer(forged))
            #expect(try await limiter.allowedCount(of: attacker, count: 5) == 3)
            // An unsigned token (alg none) is refused the same way.
            let header = Self.base64URL(#"{"alg":"none","typ":"JWT"}"#)
            let payload = Self.base64URL(#"{"sub":"bob","tier":"x","exp":9999999999}"#)
            let unsigned = Fixtures.request("/api/x", ip: "192.0.2.67", headers: Self.bearer("\(header).\(payload)."))
            #expect(try await limiter.allowedCount(of: unsigned, count: 5) == 3)
            let bob = Fixtures.request("/api/x", ip: "192.0.2.68", headers: Self.bearer(try await signer.sign(UserToken(sub: "bob"))))
            #expect(try await limiter.allowedCount(of: bob, count: 5) == 3)
            // No token at all: per address.
            #expect(try await limiter.allowedCount(of: Fixtures.request("/api/x", ip: "192.0.2.69"), count: 5) == 3)
        }

        @Test("an expired token falls back to the IP key")
        func expired() async throws {
            let directory = try TemporaryDirectory(prefix: "jwt")
            defer { directory.remove() }
            let (limiter, signer) = try await Self.hmacLimiter(in: directory)
            let stale = try await signer.sign(UserToken(sub: "carol", expiresIn: -3600))
            let fresh = try await signer.sign(UserToken(sub: "carol"))
            #expect(try await limiter.allowedCount(of: Fixtures.request("/api/", ip: "192.0.2.1", headers: Self.bearer(stale)), count: 4) == 3)
            #expect(try await limiter.allowedCount(of: Fixtures.request("/api/", ip: "192.0.2.1", headers: Self.bearer(fresh)), count: 4) == 3)
        }

        @Test("a verified token is trusted only until it expires, even though it is remembered")
        func verifiedTokenExpires() async throws {
            let directory = try TemporaryDirectory(prefix: "jwt")
            defer { directory.remove() }
            let (limiter, signer) = try await Self.hmacLimiter(in: directory)
            // Expired 58 s ago: still inside the 60 s leeway for two more seconds.
            let ending = try await signer.sign(UserToken(sub: "dora", expiresIn: -58))
            let first = Fixtures.request("/api/", ip: "192.0.2.10", headers: Self.bearer(ending))
            #expect(try await limiter.allowedCount(of: first, count: 4) == 3, "dora's quota of 3")
            try await Task.sleep(for: .seconds(2.5))
            // Past the leeway: from a new address the same token is limited by that address, not as dora.
            let later = Fixtures.request("/api/", ip: "192.0.2.11", headers: Self.bearer(ending))
            #expect(try await limiter.allowedCount(of: later, count: 4) == 3, "the address's own quota of 3")
        }

        @Test("RS256 and ES256 PEM public keys and a JWKS file verify tokens; other keys do not")
        func publicKeys() async throws {
            guard ProcessRunner.isInstalled("openssl") else {
                Issue.record("openssl is not installed; run scripts/install-ratelimit-deps.sh")
                return
            }
            let directory = try TemporaryDirectory(prefix: "jwt")
            let rsaPrivate = "\(directory.path)/rsa.pem", rsaPublic = "\(directory.path)/rsa.pub.pem"
            #expect(try await ProcessRunner.run(["openssl", "genrsa", "-out", rsaPrivate, "2048"]).status == 0)
            #expect(try await ProcessRunner.run(["openssl", "rsa", "-in", rsaPrivate, "-pubout", "-out", rsaPublic]).status == 0)
            let ecKey = ES256PrivateKey()
            let ecPublic = "\(directory.path)/ec.pub.pem"
            try ecKey.publicKey.pemRepresentation.write(toFile: ecPublic, atomically: true, encoding: .utf8)
            let jwksKey = ES256PrivateKey()
            let parameters = try #require(jwksKey.publicKey.parameters)
            let jwksFile = "\(directory.path)/jwks.json"
            try """
            {"keys":[{"kty":"EC","crv":"P-256","kid":"k1","alg":"ES256","use":"sig","x":"\(parameters.x)","y":"\(parameters.y)"}]}
            """.write(toFile: jwksFile, atomically: true, encoding: .utf8)

            let limiter = try Fixtures.limiter(
                [Self.policy], clock: ManualClock(),
                jwt: .init(publicKeyFiles: [rsaPublic, ecPublic], jwksFile: jwksFile))

            let rsaSigner = JWTKeyCollection()
            await rsaSigner.add(
                rsa: try Insecure.RSA.PrivateKey(pem: String(contentsOfFile: rsaPrivate, encoding: .utf8)),
                digestAlgorithm: .sha256)
            let ecSigner = JWTKeyCollection()
            await ecSigner.add(ecdsa: ecKey)
            let jwksSigner = JWTKeyCollection()
            await jwksSigner.add(ecdsa: jwksKey, kid: "k1")
            let strangerSigner = JWTKeyCollection()
            await strangerSigner.add(ecdsa: ES256PrivateKey())

            let tokens = [
                try await rsaSigner.sign(UserToken(sub: "dave")),
                try await ecSigner.sign(UserToken(sub: "dave")),
                try await jwksSigner.sign(UserToken(sub: "dave"), kid: "k1"),
            ]
            // Three requests from three addresses with three keys' tokens: all one subject, one quota of 3.
            for (index, token) in tokens.enumerated() {
                let request = Fixtures.request("/api/", ip: "198.51.100.\(index + 1)", headers: Self.bearer(token))
                #expect(try await limiter.decideNow(request)?.allowed == true, "token \(index)")
            }
            let fourth = Fixtures.request("/api/", ip: "198.51.100.9", headers: Self.bearer(tokens[0]))
            #expect(try await limiter.decideNow(fourth)?.allowed == false)
            let stranger = try await strangerSigner.sign(UserToken(sub: "dave"))
            let strangerRequest = Fixtures.request("/api/", ip: "198.51.100.10", headers: Self.bearer(stranger))
            #expect(try await limiter.decideNow(strangerRequest)?.allowed == true)
        }

        @Test("an unreadable or malformed key file is refused at start with its name")
        func badKeyFiles() throws {
            let directory = try TemporaryDirectory(prefix: "jwt")
            let garbage = "\(directory.path)/garbage.pem"
            try "not a key".write(toFile: garbage, atomically: true, encoding: .utf8)
            #expect(throws: RateLimitError.self) {
                try Fixtures.limiter([Self.policy], clock: ManualClock(), jwt: .init(publicKeyFiles: [garbage]))
            }
            let short = try directory.write("short.txt", "too short")
            do {
                _ = try Fixtures.limiter([Self.policy], clock: ManualClock(), jwt: .init(hmacSecretFiles: [short]))
                Issue.record("expected an error")
            } catch let error as RateLimitError {
                #expect(error.userMessage.contains("at least 32 bytes"))
            }
            do {
                _ = try Fixtures.limiter([Self.policy], clock: ManualClock(), jwt: .init(hmacSecretFiles: ["/nonexistent/s"]))
                Issue.record("expected an error")
            } catch let error as RateLimitError {
                #expect(error.userMessage.contains("/nonexistent/s"))
            }
        }
    }
}
