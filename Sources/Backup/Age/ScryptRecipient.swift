import Crypto
import _CryptoExtras

/// A passphrase as an age recipient and identity (the `scrypt` stanza).
public struct ScryptRecipient: AgeRecipient, AgeIdentity {
    static let stanzaType = "scrypt"
    static let label = "age-encryption.org/v1/scrypt"
    static let saltLength = 16
    /// log2 of scrypt's N when encrypting; age's default, about a second of work.
    public static let defaultWorkFactor = 18
    /// The largest work factor accepted when decrypting, as in the reference implementation.
    public static let maximumWorkFactor = 22
    static let blockSize = 8
    static let parallelism = 1

    private let passphrase: [UInt8]
    private let workFactor: Int

    /// A passphrase recipient; `workFactor` is log2 of scrypt's N.
    public init(passphrase: String, workFactor: Int = ScryptRecipient.defaultWorkFactor) {
        self.passphrase = Array(passphrase.utf8)
        self.workFactor = workFactor
    }

    public func wrap(fileKey: SymmetricKey) throws(BackupError) -> [AgeStanza] {
        let salt = (0..<Self.saltLength).map { _ in UInt8.random(in: .min ... .max) }
        let key = try deriveKey(salt: salt, workFactor: workFactor)
        let body = try AgeConstants.seal(fileKey: fileKey, with: key)
        return [AgeStanza(type: Self.stanzaType, arguments: [AgeBase64.encode(salt), String(workFactor)], body: body)]
    }

    public func unwrap(stanzas: [AgeStanza]) throws(BackupError) -> SymmetricKey? {
        guard let stanza = stanzas.first(where: { $0.type == Self.stanzaType }) else { return nil }
        // A passphrase file has exactly one recipient, so nobody else can have been given the key.
        guard stanzas.count == 1 else { throw AgeHeader.malformed("a scrypt stanza is not the only stanza") }
        guard stanza.arguments.count == 2, let salt = AgeBase64.decode(stanza.arguments[0]),
            salt.count == Self.saltLength, let factor = Self.parseWorkFactor(stanza.arguments[1]),
            stanza.body.count == AgeConstants.wrappedFileKeyLength
        else { throw AgeHeader.malformed("a scrypt stanza is malformed") }
        guard factor <= Self.maximumWorkFactor else {
            throw AgeHeader.malformed("the scrypt work factor \(factor) is above \(Self.maximumWorkFactor)")
        }
        return AgeConstants.open(wrapped: stanza.body, with: try deriveKey(salt: salt, workFactor: factor))
    }

    /// A decimal between 1 and 64 with no sign and no leading zero.
    static func parseWorkFactor(_ text: String) -> Int? {
        guard let first = text.utf8.first, first != UInt8(ascii: "0"),
            text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            let value = Int(text), value > 0, value < 64
        else { return nil }
        return value
    }

    private func deriveKey(salt: [UInt8], workFactor: Int) throws(BackupError) -> SymmetricKey {
        do {
            return try KDF.Scrypt.deriveKey(
                from: passphrase, salt: Array(Self.label.utf8) + salt, outputByteCount: 32, rounds: 1 << workFactor,
                blockSize: Self.blockSize, parallelism: Self.parallelism)
        } catch {
            throw BackupError(
                .invalidKey, "scrypt failed with work factor \(workFactor): \(error)",
                hint: "Use a lower work factor or a machine with more memory.")
        }
    }
}
