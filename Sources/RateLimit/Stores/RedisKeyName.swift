import Crypto

/// Names of rate limit keys in Redis: `shipshape:ratelimit:<policy>:<hash of the key>`.
///
/// Keys are header values, claims and addresses — an `X-API-Key` value is a credential — so Redis stores
/// only HMAC-SHA256 of the key, truncated to 128 bits (hex), under a fixed project-wide HMAC key: every
/// replica and every version computes the same name without configuration, and an operator can compute it
/// with `openssl dgst -sha256 -hmac` to reset one client. 128 bits leave collisions out of reach; the hash
/// cannot be reversed for high-entropy keys such as API keys or tokens (addresses can be enumerated, but
/// they are not secrets). The policy name stays readable.
enum RedisKeyName {
    /// Prefix of every key the limiter writes.
    static let keyPrefix = "shipshape:ratelimit:"
    /// The HMAC key (public on purpose: it separates these hashes from any other SHA-256 use, it is not a
    /// secret; documented in docs/ratelimit.md).
    static let hmacKeyText = "shipshape-ratelimit-v1"
    /// Bytes of the MAC kept (128 bits).
    static let keptBytes = 16

    private static let hmacKey = SymmetricKey(data: Array(hmacKeyText.utf8))
    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// `shipshape:ratelimit:<policy>:` (computed once per policy).
    static func prefix(policy: String) -> String {
        keyPrefix + policy + ":"
    }

    /// The Redis key for `key` under the policy whose prefix is `prefix`.
    static func name(prefix: String, key: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array(key.utf8), using: hmacKey)
        var hex = [UInt8]()
        hex.reserveCapacity(keptBytes * 2)
        for byte in mac.prefix(keptBytes) {
            hex.append(hexDigits[Int(byte >> 4)])
            hex.append(hexDigits[Int(byte & 0x0f)])
        }
        return prefix + String(decoding: hex, as: UTF8.self)
    }
}
