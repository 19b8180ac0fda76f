import Crypto
import ShipshapeCore

/// An age X25519 recipient (`age1...`) that file keys are wrapped for.
public struct X25519Recipient: AgeRecipient, Equatable {
    static let stanzaType = "X25519"
    static let label = "age-encryption.org/v1/X25519"
    static let prefix = "age"

    /// The recipient's public key.
    public let publicKey: [UInt8]

    /// Parses an `age1...` recipient string.
    public init(_ text: String) throws(BackupError) {
        guard let (prefix, data) = Bech32.decode(text), prefix == Self.prefix, data.count == 32,
            text == text.lowercased()
        else {
            throw BackupError(
                .invalidKey, "'\(text.prefix(12))…' is not a valid age X25519 recipient",
                hint: "Use the public key printed by `age-keygen` (it starts with age1).")
        }
        publicKey = data
    }

    init(publicKey: [UInt8]) { self.publicKey = publicKey }

    /// The `age1...` string.
    public var description: String { Bech32.encode(prefix: Self.prefix, data: publicKey) }

    public func wrap(fileKey: SymmetricKey) throws(BackupError) -> [AgeStanza] {
        let ephemeral = Curve25519.KeyAgreement.PrivateKey()
        let share = Array(ephemeral.publicKey.rawRepresentation)
        let wrapKey = try Self.wrapKey(secret: ephemeral, peer: publicKey, share: share, recipient: publicKey)
        let body = try AgeConstants.seal(fileKey: fileKey, with: wrapKey)
        return [AgeStanza(type: Self.stanzaType, arguments: [AgeBase64.encode(share)], body: body)]
    }

    /// HKDF over the shared secret, salted with both public keys, as the spec requires.
    static func wrapKey(
        secret: Curve25519.KeyAgreement.PrivateKey, peer: [UInt8], share: [UInt8], recipient: [UInt8]
    ) throws(BackupError) -> SymmetricKey {
        let shared: [UInt8]
        do {
            let peerKey = try Curve25519.KeyAgreement.PublicKey(rawRepresentation: peer)
            shared = try secret.sharedSecretFromKeyAgreement(with: peerKey).withUnsafeBytes { Array($0) }
        } catch {
            throw AgeHeader.malformed("an X25519 share is a low-order point")
        }
        guard shared.contains(where: { $0 != 0 }) else {
            throw AgeHeader.malformed("an X25519 share is a low-order point")
        }
        return HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: shared), salt: share + recipient, info: Array(label.utf8),
            outputByteCount: 32)
    }
}
