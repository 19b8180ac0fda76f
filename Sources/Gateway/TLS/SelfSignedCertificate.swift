import Crypto
import Foundation
import ShipshapeCore
import SwiftASN1
import X509

/// A certificate and key generated at start for development and the demo (`tls.self_signed`).
public struct SelfSignedCertificate: Sendable {
    /// How long a generated certificate is valid.
    public static let validity: TimeInterval = 30 * 24 * 3600

    /// The certificate, PEM.
    public let certificatePEM: String
    /// The P-256 private key, PEM.
    public let privateKeyPEM: String

    /// Generates a certificate for `names` (DNS names or IP literals).
    public init(names: [String]) throws {
        let key = P256.Signing.PrivateKey()
        let privateKey = Certificate.PrivateKey(key)
        let commonName = names.first ?? "localhost"
        let subject = try DistinguishedName {
            OrganizationName("Shipshape self-signed")
            CommonName(commonName)
        }
        let now = Date()
        var alternativeNames: [GeneralName] = []
        for name in names {
            if let bytes = CIDR.addressBytes(name) {
                alternativeNames.append(.ipAddress(ASN1OctetString(contentBytes: ArraySlice(bytes))))
            } else {
                alternativeNames.append(.dnsName(name))
            }
        }
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(),
            publicKey: privateKey.publicKey,
            notValidBefore: now.addingTimeInterval(-3600),
            notValidAfter: now.addingTimeInterval(Self.validity),
            issuer: subject,
            subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                KeyUsage(digitalSignature: true)
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(alternativeNames)
            },
            issuerPrivateKey: privateKey
        )
        certificatePEM = try certificate.serializeAsPEM().pemString
        privateKeyPEM = try privateKey.serializeAsPEM().pemString
    }
}
