import Crypto

/// Something a file key can be wrapped for: an X25519 public key or a passphrase.
public protocol AgeRecipient: Sendable {
    /// The stanzas that carry `fileKey` for this recipient.
    func wrap(fileKey: SymmetricKey) throws(BackupError) -> [AgeStanza]
}

/// Something that can unwrap a file key from a header's stanzas: an X25519 secret key or a passphrase.
public protocol AgeIdentity: Sendable {
    /// The file key when one of `stanzas` is for this identity, nil when none is; throws on malformed stanzas.
    func unwrap(stanzas: [AgeStanza]) throws(BackupError) -> SymmetricKey?
}

/// Sizes fixed by the age format.
enum AgeConstants {
    static let fileKeyLength = 16
    static let wrappedFileKeyLength = fileKeyLength + 16
    static let zeroNonce = [UInt8](repeating: 0, count: 12)

    /// Encrypts the file key under `key` with the all-zero nonce (each key wraps exactly one file key).
    static func seal(fileKey: SymmetricKey, with key: SymmetricKey) throws(BackupError) -> [UInt8] {
        do {
            let nonce = try ChaChaPoly.Nonce(data: zeroNonce)
            let box = try ChaChaPoly.seal(fileKey.withUnsafeBytes { Array($0) }, using: key, nonce: nonce)
            return Array(box.ciphertext) + Array(box.tag)
        } catch {
            throw BackupError(.invalidKey, "Cannot wrap the file key: \(error)", hint: "Report this as a bug.")
        }
    }

    /// Decrypts a wrapped file key, or nil when `key` is not the right one.
    static func open(wrapped: [UInt8], with key: SymmetricKey) -> SymmetricKey? {
        guard wrapped.count == wrappedFileKeyLength,
            let nonce = try? ChaChaPoly.Nonce(data: zeroNonce),
            let box = try? ChaChaPoly.SealedBox(
                nonce: nonce, ciphertext: wrapped.prefix(fileKeyLength), tag: wrapped.suffix(16)),
            let plain = try? ChaChaPoly.open(box, using: key)
        else { return nil }
        return SymmetricKey(data: plain)
    }
}
