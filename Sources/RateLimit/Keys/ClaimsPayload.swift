import Foundation
import JWTKit

/// A verified token's claims as strings, with `exp` and `nbf` enforced when present.
struct ClaimsPayload: JWTPayload {
    /// Scalar claims rendered as text (strings as is, numbers and booleans in JSON form).
    var claims: [String: String]
    /// Expiry (`exp`), seconds since 1970.
    var expiresAt: Double?
    /// Not-before (`nbf`), seconds since 1970.
    var notBefore: Double?

    /// Seconds of clock skew tolerated between the issuer and this host.
    static let leeway: Double = 60

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: ClaimKey.self)
        var claims: [String: String] = [:]
        for key in container.allKeys {
            if let text = try? container.decode(String.self, forKey: key) {
                claims[key.stringValue] = text
            } else if let number = try? container.decode(Int64.self, forKey: key) {
                claims[key.stringValue] = String(number)
            } else if let number = try? container.decode(Double.self, forKey: key) {
                claims[key.stringValue] = String(number)
            } else if let flag = try? container.decode(Bool.self, forKey: key) {
                claims[key.stringValue] = String(flag)
            }
        }
        self.claims = claims
        expiresAt = try? container.decode(Double.self, forKey: ClaimKey(stringValue: "exp"))
        notBefore = try? container.decode(Double.self, forKey: ClaimKey(stringValue: "nbf"))
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: ClaimKey.self)
        for (name, value) in claims where name != "exp" && name != "nbf" {
            try container.encode(value, forKey: ClaimKey(stringValue: name))
        }
        if let expiresAt { try container.encode(expiresAt, forKey: ClaimKey(stringValue: "exp")) }
        if let notBefore { try container.encode(notBefore, forKey: ClaimKey(stringValue: "nbf")) }
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {
        let now = Date().timeIntervalSince1970
        if let expiresAt, now > expiresAt + Self.leeway {
            throw JWTError.claimVerificationFailure(failedClaim: nil, reason: "expired")
        }
        if let notBefore, now + Self.leeway < notBefore {
            throw JWTError.claimVerificationFailure(failedClaim: nil, reason: "not yet valid")
        }
    }

    /// Any claim name.
    struct ClaimKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
