import Crypto

/// Encrypts a stream into an age v1 file written to `downstream`: header, nonce, then STREAM chunks.
public final class AgeWriter: ByteSink {
    /// Plaintext bytes per STREAM chunk, fixed by the age format.
    static let chunkSize = 64 * 1024
    static let tagSize = 16
    static let payloadNonceSize = 16

    private let downstream: any ByteSink
    private let payloadKey: SymmetricKey
    private var header: [UInt8]?
    private var pending: [UInt8] = []
    private var counter: UInt64 = 0

    /// Prepares an age file for `recipients`; nothing is written until the first `write` or `finish`.
    public init(recipients: [any AgeRecipient], downstream: any ByteSink) throws(BackupError) {
        guard !recipients.isEmpty else {
            throw BackupError(.invalidKey, "No age recipient was given", hint: "Configure recipients or a passphrase.")
        }
        let fileKey = SymmetricKey(size: .init(bitCount: AgeConstants.fileKeyLength * 8))
        var stanzas: [AgeStanza] = []
        for recipient in recipients { stanzas += try recipient.wrap(fileKey: fileKey) }
        let nonce = (0..<Self.payloadNonceSize).map { _ in UInt8.random(in: .min ... .max) }
        self.downstream = downstream
        self.payloadKey = Self.payloadKey(fileKey: fileKey, nonce: nonce)
        self.header = AgeHeader(stanzas: stanzas, fileKey: fileKey).encoded + nonce
        pending.reserveCapacity(Self.chunkSize)
    }

    static func payloadKey(fileKey: SymmetricKey, nonce: [UInt8]) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: fileKey, salt: nonce, info: Array("payload".utf8), outputByteCount: 32)
    }

    public func write(_ bytes: ArraySlice<UInt8>) async throws {
        try await flushHeader()
        var rest = bytes
        while !rest.isEmpty {
            // A full chunk is only sealed once more data proves it is not the last one.
            if pending.count == Self.chunkSize {
                try await seal(pending[...], last: false)
                pending.removeAll(keepingCapacity: true)
            }
            if pending.isEmpty && rest.count > Self.chunkSize {
                // A whole chunk in the input, and more after it: sealed where it lies, without a copy.
                try await seal(rest.prefix(Self.chunkSize), last: false)
                rest = rest.dropFirst(Self.chunkSize)
                continue
            }
            let take = min(Self.chunkSize - pending.count, rest.count)
            pending += rest.prefix(take)
            rest = rest.dropFirst(take)
        }
    }

    public func finish() async throws {
        try await flushHeader()
        try await seal(pending[...], last: true)
        pending.removeAll()
        try await downstream.finish()
    }

    private func flushHeader() async throws {
        guard let header else { return }
        self.header = nil
        try await downstream.write(header[...])
    }

    private func seal(_ chunk: ArraySlice<UInt8>, last: Bool) async throws {
        let box = try ChaChaPoly.seal(chunk, using: payloadKey, nonce: Self.nonce(counter: counter, last: last))
        counter += 1
        // One allocation of the final size: appending the tag to a copied ciphertext would reallocate.
        var sealed = [UInt8]()
        sealed.reserveCapacity(box.ciphertext.count + Self.tagSize)
        sealed += box.ciphertext
        sealed += box.tag
        try await downstream.write(sealed[...])
    }

    /// The STREAM nonce: an 11-byte big-endian chunk counter and a final-chunk flag.
    static func nonce(counter: UInt64, last: Bool) throws -> ChaChaPoly.Nonce {
        var bytes = [UInt8](repeating: 0, count: 3)
        withUnsafeBytes(of: counter.bigEndian) { bytes += $0 }
        bytes.append(last ? 1 : 0)
        return try ChaChaPoly.Nonce(data: bytes)
    }
}
