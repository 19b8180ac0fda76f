import Synchronization

/// HTTP-01 key authorizations waiting to be fetched by the ACME server at
/// `/.well-known/acme-challenge/TOKEN` on the plain listener.
final class ACMEChallenges: Sendable {
    /// The path prefix the ACME server fetches tokens under.
    static let pathPrefix = "/.well-known/acme-challenge/"

    private let pending = Mutex<[String: String]>([:])

    /// An empty set.
    init() {}

    func set(token: String, keyAuthorization: String) {
        pending.withLock { $0[token] = keyAuthorization }
    }

    func remove(token: String) {
        _ = pending.withLock { $0.removeValue(forKey: token) }
    }

    /// The key authorization for a request path, when it asks for a pending token.
    func keyAuthorization(forPath path: String) -> String? {
        guard path.hasPrefix(Self.pathPrefix) else { return nil }
        let token = String(path.dropFirst(Self.pathPrefix.count))
        return pending.withLock { $0[token] }
    }
}
