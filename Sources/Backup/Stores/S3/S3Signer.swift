import Crypto
import Foundation

/// AWS Signature Version 4 for S3, by hand: canonical request, string to sign, derived signing key.
public struct S3Signer: Sendable {
    /// Access key, secret and optional session token.
    public struct Credentials: Sendable {
        /// The access key id.
        public var accessKey: String
        /// The secret access key (never logged).
        public var secretKey: String
        /// A session token for temporary credentials.
        public var sessionToken: String?

        /// Credentials.
        public init(accessKey: String, secretKey: String, sessionToken: String? = nil) {
            self.accessKey = accessKey
            self.secretKey = secretKey
            self.sessionToken = sessionToken
        }
    }

    static let algorithm = "AWS4-HMAC-SHA256"
    static let service = "s3"
    /// The payload hash of a presigned URL, whose body is not known when signing.
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"
    /// SHA-256 of the empty body.
    public static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// The credentials.
    public var credentials: Credentials
    /// The region, e.g. `us-east-1`.
    public var region: String

    /// A signer for `region`.
    public init(credentials: Credentials, region: String) {
        self.credentials = credentials
        self.region = region
    }

    /// `20130524T000000Z` and `20130524` for `date`.
    static func timestamps(_ date: Date) -> (String, String) {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let stamp = formatter.string(from: date)
        return (stamp, String(stamp.prefix(8)))
    }

    /// RFC 3986 encoding with AWS's unreserved set; `/` kept only in paths.
    public static func encode(_ text: String, keepSlash: Bool) -> String {
        let hexDigits = Array("0123456789ABCDEF".utf8)
        var result: [UInt8] = []
        for byte in text.utf8 {
            let unreserved = (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || (byte >= 0x30 && byte <= 0x39) || byte == 0x2D || byte == 0x2E || byte == 0x5F || byte == 0x7E
            if unreserved || (keepSlash && byte == 0x2F) {
                result.append(byte)
            } else {
                result += [0x25, hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: result, as: UTF8.self)
    }

    /// The canonical query string: encoded keys and values, sorted.
    static func canonicalQuery(_ query: [(String, String)]) -> String {
        let encoded: [(String, String)] = query.map { pair in
            (encode(pair.0, keepSlash: false), encode(pair.1, keepSlash: false))
        }
        let sorted = encoded.sorted { left, right in left.0 == right.0 ? left.1 < right.1 : left.0 < right.0 }
        return sorted.map { pair in pair.0 + "=" + pair.1 }.joined(separator: "&")
    }

    /// Signs a request and returns the headers to send: the given ones plus `x-amz-*` and `Authorization`.
    public func sign(
        method: String, path: String, query: [(String, String)], headers: [String: String], payloadHash: String,
        date: Date
    ) -> [String: String] {
        let (stamp, day) = Self.timestamps(date)
        var all = Dictionary(uniqueKeysWithValues: headers.map { ($0.key.lowercased(), $0.value) })
        all["x-amz-date"] = stamp
        all["x-amz-content-sha256"] = payloadHash
        if let token = credentials.sessionToken { all["x-amz-security-token"] = token }
        let signedHeaders = all.keys.sorted().joined(separator: ";")
        let canonicalHeaders = all.keys.sorted().map { "\($0):\(all[$0]?.trimmingCharacters(in: .whitespaces) ?? "")\n" }
            .joined()
        let canonical = [
            method, Self.encode(path, keepSlash: true), Self.canonicalQuery(query), canonicalHeaders, signedHeaders,
            payloadHash,
        ].joined(separator: "\n")
        let signature = self.signature(canonicalRequest: canonical, stamp: stamp, day: day)
        all["authorization"] =
            "\(Self.algorithm) Credential=\(credentials.accessKey)/\(scope(day)), SignedHeaders=\(signedHeaders), Signature=\(signature)"
        return all
    }

    /// A presigned URL's query (with `X-Amz-Signature`) for `method` on `path` at `host`.
    public func presignedQuery(
        method: String, host: String, path: String, expires: Int, date: Date
    ) -> String {
        let (stamp, day) = Self.timestamps(date)
        var query = [
            ("X-Amz-Algorithm", Self.algorithm), ("X-Amz-Credential", "\(credentials.accessKey)/\(scope(day))"),
            ("X-Amz-Date", stamp), ("X-Amz-Expires", String(expires)), ("X-Amz-SignedHeaders", "host"),
        ]
        if let token = credentials.sessionToken { query.append(("X-Amz-Security-Token", token)) }
        let canonical = [
            method, Self.encode(path, keepSlash: true), Self.canonicalQuery(query), "host:\(host)\n", "host",
            Self.unsignedPayload,
        ].joined(separator: "\n")
        let signature = self.signature(canonicalRequest: canonical, stamp: stamp, day: day)
        return Self.canonicalQuery(query) + "&X-Amz-Signature=\(signature)"
    }

    private func scope(_ day: String) -> String { "\(day)/\(region)/\(Self.service)/aws4_request" }

    private func signature(canonicalRequest: String, stamp: String, day: String) -> String {
        let stringToSign = [
            Self.algorithm, stamp, scope(day), SHA256Hasher.hex(SHA256.hash(data: Array(canonicalRequest.utf8))),
        ].joined(separator: "\n")
        var key = SymmetricKey(data: Array("AWS4\(credentials.secretKey)".utf8))
        for part in [day, region, Self.service, "aws4_request"] {
            key = SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array(part.utf8), using: key)))
        }
        return SHA256Hasher.hex(HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: key))
    }
}
