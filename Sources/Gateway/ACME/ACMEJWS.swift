import Crypto
import Foundation

/// JSON Web Signatures as ACME uses them (RFC 8555 §6.2, RFC 7515): ES256 over the flattened JSON serialization,
/// the key given as a JWK (new account) or as the account URL (`kid`, everything after).
enum ACMEJWS {
    /// How the signing key is named in the protected header.
    enum KeyReference {
        case jwk
        case keyID(String)
    }

    /// The request body for `payload` (nil: POST-as-GET, an empty payload) signed with `key`.
    static func sign(
        payload: Data?, url: String, nonce: String, key reference: KeyReference, with key: P256.Signing.PrivateKey
    ) throws -> Data {
        var protected: [String: Any] = ["alg": "ES256", "nonce": nonce, "url": url]
        switch reference {
        case .jwk: protected["jwk"] = jwk(of: key)
        case .keyID(let url): protected["kid"] = url
        }
        let header = base64URL(try JSONSerialization.data(withJSONObject: protected, options: [.sortedKeys]))
        let body = payload.map(base64URL) ?? ""
        let signature = try key.signature(for: Data((header + "." + body).utf8))
        return try JSONSerialization.data(withJSONObject: [
            "protected": header, "payload": body, "signature": base64URL(signature.rawRepresentation),
        ])
    }

    /// The public key as a JWK, members in the lexicographic order the thumbprint needs (RFC 7638).
    static func jwk(of key: P256.Signing.PrivateKey) -> [String: String] {
        let point = key.publicKey.rawRepresentation  // x ‖ y, 32 bytes each
        return ["crv": "P-256", "kty": "EC", "x": base64URL(point.prefix(32)), "y": base64URL(point.suffix(32))]
    }

    /// The key's RFC 7638 thumbprint, the second half of every key authorization.
    static func thumbprint(of key: P256.Signing.PrivateKey) -> String {
        let jwk = jwk(of: key)
        let canonical = #"{"crv":"P-256","kty":"EC","x":"\#(jwk["x"] ?? "")","y":"\#(jwk["y"] ?? "")"}"#
        return base64URL(Data(SHA256.hash(data: Data(canonical.utf8))))
    }

    /// Base64url without padding.
    static func base64URL(_ data: some DataProtocol) -> String {
        Data(data).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
