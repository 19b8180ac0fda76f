import Crypto

/// Decrypts an age v1 file pushed into it and writes the plaintext to `downstream`, chunk by chunk.
///
/// Plaintext is released only after its chunk authenticates; a file that ends before its final chunk
/// fails at `finish`, so a truncated backup is never mistaken for a complete one.
public final class AgeReader: ByteSink {
    private enum State {
        /// Collecting header bytes until the MAC line and the payload nonce are complete.
        case header([UInt8])
        /// Decrypting chunks; `buffer` holds ciphertext not yet known to be final or not.
        case payload(key: SymmetricKey, buffer: [UInt8], counter: UInt64)
        /// The final chunk was seen or an error occurred.
        case done
    }

    private static let sealedChunkSize = AgeWriter.chunkSize + AgeWriter.tagSize
    private let identities: [any AgeIdentity]
    private let downstream: any ByteSink
    private var state: State = .header([])

    /// A reader that tries `identities` in order.
    public init(identities: [any AgeIdentity], downstream: any ByteSink) {
        self.identities = identities
        self.downstream = downstream
    }

    public func write(_ bytes: ArraySlice<UInt8>) async throws {
        switch state {
        case .header(var collected):
            collected += bytes
            guard let (header, length) = try AgeHeader.parse(collected[...]) else {
                state = .header(collected)
                return
            }
            guard collected.count >= length + AgeWriter.payloadNonceSize else {
                state = .header(collected)
                return
            }
            let fileKey = try unwrap(header)
            let nonce = Array(collected[length..<(length + AgeWriter.payloadNonceSize)])
            let key = AgeWriter.payloadKey(fileKey: fileKey, nonce: nonce)
            state = .payload(key: key, buffer: [], counter: 0)
            try await write(collected[(length + AgeWriter.payloadNonceSize)...])
        case .payload(let key, var buffer, var counter):
            state = .done
            buffer += bytes
            var start = 0
            // Keep at least one byte beyond a chunk before opening it as non-final.
            while buffer.count - start > Self.sealedChunkSize {
                let plain = try open(buffer[start..<(start + Self.sealedChunkSize)], key: key, counter: counter, last: false)
                counter += 1
                start += Self.sealedChunkSize
                try await downstream.write(plain[...])
            }
            if start > 0 { buffer.removeFirst(start) }
            state = .payload(key: key, buffer: buffer, counter: counter)
        case .done:
            if !bytes.isEmpty { throw Self.payloadError("data after the final chunk") }
        }
    }

    public func finish() async throws {
        switch state {
        case .header:
            throw AgeHeader.malformed("the file ends inside its header (truncated?)")
        case .payload(let key, let buffer, let counter):
            state = .done
            guard buffer.count >= AgeWriter.tagSize else {
                throw BackupError(
                    .truncated, "The age file ends before its final chunk",
                    hint: "The file is truncated; restore from another backup.")
            }
            let plain = try open(buffer[...], key: key, counter: counter, last: true)
            // Only an empty file may end with an empty chunk.
            if plain.isEmpty && counter > 0 { throw Self.payloadError("an empty final chunk after data") }
            try await downstream.write(plain[...])
            try await downstream.finish()
        case .done:
            try await downstream.finish()
        }
    }

    private func unwrap(_ header: AgeHeader) throws(BackupError) -> SymmetricKey {
        for identity in identities {
            guard let fileKey = try identity.unwrap(stanzas: header.stanzas) else { continue }
            guard header.verifyMAC(fileKey: fileKey) else {
                throw BackupError(
                    .authenticationFailed, "The age header MAC does not match",
                    hint: "The file was corrupted or tampered with; restore from another backup.")
            }
            return fileKey
        }
        throw BackupError(
            .noMatchingIdentity, "None of the configured identities can decrypt this age file",
            hint: "Pass the identity file (--identity) whose recipient the backup was made for, or the right passphrase.")
    }

    private func open(_ sealed: ArraySlice<UInt8>, key: SymmetricKey, counter: UInt64, last: Bool) throws -> [UInt8] {
        do {
            let box = try ChaChaPoly.SealedBox(
                nonce: try AgeWriter.nonce(counter: counter, last: last),
                ciphertext: sealed.dropLast(AgeWriter.tagSize), tag: sealed.suffix(AgeWriter.tagSize))
            return Array(try ChaChaPoly.open(box, using: key))
        } catch {
            throw Self.payloadError("chunk \(counter) fails authentication")
        }
    }

    private static func payloadError(_ detail: String) -> BackupError {
        BackupError(
            .authenticationFailed, "The age payload is corrupted: \(detail)",
            hint: "The stored file was damaged or tampered with; restore from another backup.")
    }
}
