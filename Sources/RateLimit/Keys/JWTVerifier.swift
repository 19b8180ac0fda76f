import Foundation
import JWTKit
import ShipshapeCore
import Synchronization

/// Verifies bearer tokens against the configured HS256 secrets, RS256/ES256 public keys and JWKS file.
///
/// Every key is tried (tokens often carry no `kid`), so a token signed by any configured key is accepted
/// and any other token — forged, expired, `alg: none` — is not.
final class JWTVerifier: Sendable {
    /// Key material parsed at start-up, so a bad file fails `RateLimiter.init` with its name.
    private enum Key: Sendable {
        case hmac(HMACKey, file: String)
        case rsa(Insecure.RSA.PublicKey, file: String)
        case ecdsa(ES256PublicKey, file: String)
        case jwks(JWKS)
    }

    /// JWTKit's key collection is an actor, so keys are added asynchronously once; the stored task lets
    /// the synchronous initialiser validate everything first and verification await the ready collection.
    private let collection: Task<JWTKeyCollection, Never>

    /// Tokens that verified, with their claims: a client sends the same token on every request, and each
    /// verification costs a task, an actor hop and a signature check per configured key (tens of
    /// microseconds for ES256). Keyed by the token's exact text, so a token differing in any byte is verified
    /// afresh; failures are never kept. An entry lasts until the token expires (`exp` plus the leeway) or for
    /// `cacheLifetime`, whichever comes first.
    private let verified = Mutex(VerifiedTokens())
    /// The longest a verified token is trusted without checking its signature again.
    static let cacheLifetime: Double = 300
    /// Tokens kept at most; when full, expired entries go, and if none has expired, all of them.
    static let cacheCapacity = 10_000

    struct VerifiedTokens {
        struct Entry {
            var claims: [String: String]
            /// Seconds since 1970 after which the entry is stale.
            var validUntil: Double
        }
        var entries: [String: Entry] = [:]
    }

    /// Loads and validates every configured key file; throws naming the file that cannot be used.
    init(configuration: RateLimitConfiguration.JWTKeys) throws(RateLimitError) {
        var loaded: [Key] = []
        for file in configuration.hmacSecretFiles {
            let secret = try Self.read(file).trimmingCharacters(in: .whitespacesAndNewlines)
            guard secret.utf8.count >= Self.minimumSecretBytes else {
                throw .invalidJWTKey(
                    file: file, reason: "an HS256 secret must be at least \(Self.minimumSecretBytes) bytes (SHA-256's size)")
            }
            loaded.append(.hmac(HMACKey(from: secret), file: file))
        }
        for file in configuration.publicKeyFiles {
            let pem = try Self.read(file)
            if let rsa = try? Insecure.RSA.PublicKey(pem: pem) {
                loaded.append(.rsa(rsa, file: file))
            } else if let ecdsa = try? ES256PublicKey(pem: pem) {
                loaded.append(.ecdsa(ecdsa, file: file))
            } else {
                throw .invalidJWTKey(file: file, reason: "not a PEM RSA (RS256) or P-256 (ES256) public key")
            }
        }
        if let file = configuration.jwksFile {
            let json = try Self.read(file)
            do {
                let jwks = try JSONDecoder().decode(JWKS.self, from: Data(json.utf8))
                guard !jwks.keys.isEmpty else { throw RateLimitError.invalidJWTKey(file: file, reason: "no keys") }
                loaded.append(.jwks(jwks))
            } catch {
                throw .invalidJWTKey(file: file, reason: "not a JWKS document (\(error))")
            }
        }
        let keys = loaded
        collection = Task {
            let collection = JWTKeyCollection()
            for key in keys {
                switch key {
                case .hmac(let secret, let file):
                    await collection.add(hmac: secret, digestAlgorithm: .sha256, kid: Self.kid(file))
                case .rsa(let publicKey, let file):
                    await collection.add(rsa: publicKey, digestAlgorithm: .sha256, kid: Self.kid(file))
                case .ecdsa(let publicKey, let file):
                    await collection.add(ecdsa: publicKey, kid: Self.kid(file))
                case .jwks(let jwks):
                    // Keys of types JWTKit cannot verify with are skipped; the others still work.
                    for jwk in jwks.keys { _ = try? await collection.add(jwk: jwk) }
                }
            }
            return collection
        }
    }

    /// The claims of `token` when its signature and time claims verify; nil otherwise.
    func claims(of token: String) async -> [String: String]? {
        if let claims = cachedClaims(of: token) { return claims }
        let payload: ClaimsPayload
        do {
            payload = try await collection.value.verify(token, as: ClaimsPayload.self, iteratingKeys: true)
        } catch {
            return nil
        }
        let now = Date().timeIntervalSince1970
        let expiry = payload.expiresAt.map { $0 + ClaimsPayload.leeway } ?? .infinity
        let entry = VerifiedTokens.Entry(claims: payload.claims, validUntil: min(now + Self.cacheLifetime, expiry))
        verified.withLock { cache in
            if cache.entries.count >= Self.cacheCapacity {
                cache.entries = cache.entries.filter { $0.value.validUntil > now }
                if cache.entries.count >= Self.cacheCapacity { cache.entries.removeAll(keepingCapacity: true) }
            }
            cache.entries[token] = entry
        }
        return payload.claims
    }

    /// The claims of `token` if it verified recently and has not expired since; no suspension, so the
    /// gateway can decide inline.
    func cachedClaims(of token: String) -> [String: String]? {
        let now = Date().timeIntervalSince1970
        return verified.withLock { cache in
            guard let entry = cache.entries[token] else { return nil }
            guard now < entry.validUntil else {
                cache.entries[token] = nil
                return nil
            }
            return entry.claims
        }
    }

    /// The bearer token of a request's `Authorization` header, if any.
    static func bearerToken(in request: RateLimitRequest) -> String? {
        guard let value = request.header("authorization") else { return nil }
        let prefix = "bearer "
        guard value.utf8.count > prefix.utf8.count,
            value.prefix(prefix.count).equalsIgnoringASCIICase(prefix)
        else { return nil }
        let token = value.dropFirst(prefix.count).trimmingHTTPWhitespace()
        return token.isEmpty ? nil : String(token)
    }

    /// RFC 7518 §3.2: an HS256 key must be at least as long as the hash output.
    static let minimumSecretBytes = 32

    private static func kid(_ file: String) -> JWKIdentifier {
        JWKIdentifier(string: "shipshape-file:\(file)")
    }

    private static func read(_ file: String) throws(RateLimitError) -> String {
        do {
            return try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw .invalidJWTKey(file: file, reason: "cannot read it (\(error.localizedDescription))")
        }
    }
}
