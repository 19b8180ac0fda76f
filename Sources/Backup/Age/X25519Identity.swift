import Crypto
import ShipshapeCore

/// An age X25519 identity (`AGE-SECRET-KEY-1...`) that unwraps file keys sent to its recipient.
public struct X25519Identity: AgeIdentity {
    static let prefix = "AGE-SECRET-KEY-"
    private let secret: Curve25519.KeyAgreement.PrivateKey

    /// Parses an `AGE-SECRET-KEY-1...` string.
    public init(_ text: String) throws(BackupError) {
        guard let (prefix, data) = Bech32.decode(text), prefix == Self.prefix.lowercased(), data.count == 32,
            let key = try? Curve25519.KeyAgreement.PrivateKey(rawRepresentation: data)
        else {
            throw BackupError(
                .invalidKey, "The identity is not a valid AGE-SECRET-KEY-1… string",
                hint: "Use a key file written by `age-keygen`.")
        }
        secret = key
    }

    /// A new random identity.
    public static func generate() -> X25519Identity { X25519Identity(secret: .init()) }

    private init(secret: Curve25519.KeyAgreement.PrivateKey) { self.secret = secret }

    /// The `AGE-SECRET-KEY-1...` string.
    public var encoded: String { Bech32.encode(prefix: Self.prefix, data: Array(secret.rawRepresentation)) }

    /// The matching recipient.
    public var recipient: X25519Recipient { X25519Recipient(publicKey: Array(secret.publicKey.rawRepresentation)) }

    public func unwrap(stanzas: [AgeStanza]) throws(BackupError) -> SymmetricKey? {
        let ownKey = Array(secret.publicKey.rawRepresentation)
        for stanza in stanzas where stanza.type == X25519Recipient.stanzaType {
            guard stanza.arguments.count == 1, let share = AgeBase64.decode(stanza.arguments[0]), share.count == 32,
                stanza.body.count == AgeConstants.wrappedFileKeyLength
            else { throw AgeHeader.malformed("an X25519 stanza is malformed") }
            let wrapKey = try X25519Recipient.wrapKey(secret: secret, peer: share, share: share, recipient: ownKey)
            if let fileKey = AgeConstants.open(wrapped: stanza.body, with: wrapKey) { return fileKey }
        }
        return nil
    }

    /// Reads identities from an age key file: one `AGE-SECRET-KEY-1…` per line, `#` comments ignored.
    public static func parseFile(_ contents: String) throws(BackupError) -> [X25519Identity] {
        var identities: [X25519Identity] = []
        for line in contents.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            identities.append(try X25519Identity(trimmed))
        }
        return identities
    }
}
