import Crypto
import Foundation
import Testing

@testable import Backup

/// The official CCTV age vectors (C2SP/CCTV age/testdata, uncompressed X25519/scrypt/stream/header subset).
@Suite("age format against the CCTV test vectors")
struct AgeVectorTests {
    struct Vector: CustomStringConvertible {
        var name: String
        var expect: String
        var payloadHash: String?
        var identities: [String] = []
        var passphrases: [String] = []
        var file: [UInt8]
        var description: String { name }
    }

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Vectors/age").path

    static func loadVectors() throws -> [Vector] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        return try names.map { name in
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(directory)/\(name)")))
            var vector = Vector(name: name, expect: "", file: [])
            var cursor = 0
            while let newline = bytes[cursor...].firstIndex(of: 10) {
                let line = String(decoding: bytes[cursor..<newline], as: UTF8.self)
                cursor = newline + 1
                if line.isEmpty { break }
                let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                switch parts[0] {
                case "expect": vector.expect = parts[1]
                case "payload": vector.payloadHash = parts[1]
                case "identity": vector.identities.append(parts[1])
                case "passphrase": vector.passphrases.append(parts[1])
                default: break
                }
            }
            vector.file = Array(bytes[cursor...])
            return vector
        }
    }

    /// Decrypts `vector` feeding it in `chunk`-byte writes; returns the released plaintext and the error.
    static func decrypt(_ vector: Vector, chunk: Int) async throws -> ([UInt8], BackupError?) {
        var identities: [any AgeIdentity] = try vector.identities.map { try X25519Identity($0) }
        identities += vector.passphrases.map { ScryptRecipient(passphrase: $0) }
        let output = CollectingSink(limit: 16 << 20)
        let reader = AgeReader(identities: identities, downstream: output)
        do {
            var start = 0
            while start < vector.file.count {
                let end = min(start + chunk, vector.file.count)
                try await reader.write(vector.file[start..<end])
                start = end
            }
            try await reader.finish()
            return (output.bytes, nil)
        } catch let error as BackupError {
            return (output.bytes, error)
        }
    }

    @Test("every vector decrypts or fails exactly as expected, whatever the write size", arguments: [7, 4096, 1 << 20])
    func vectors(chunk: Int) async throws {
        let vectors = try Self.loadVectors()
        #expect(vectors.count > 60, "vector files are missing from \(Self.directory)")
        for vector in vectors {
            let (plaintext, error) = try await Self.decrypt(vector, chunk: chunk)
            let hash = SHA256Hasher.hex(SHA256.hash(data: plaintext))
            switch vector.expect {
            case "success":
                #expect(error == nil, "\(vector.name): \(String(describing: error))")
                #expect(hash == vector.payloadHash, "\(vector.name)")
            case "header failure":
                #expect(error?.kind == .malformedAgeFile, "\(vector.name): \(String(describing: error))")
            case "no match":
                #expect(error?.kind == .noMatchingIdentity, "\(vector.name): \(String(describing: error))")
            case "HMAC failure":
                #expect(error?.kind == .authenticationFailed, "\(vector.name)")
                #expect(plaintext.isEmpty, "\(vector.name)")
            case "payload failure":
                let kinds: Set<BackupError.Kind> = [.authenticationFailed, .truncated]
                #expect(error.map { kinds.contains($0.kind) } == true, "\(vector.name): \(String(describing: error))")
                #expect(hash == vector.payloadHash, "\(vector.name): released plaintext differs")
            default:
                Issue.record("\(vector.name): unknown expectation \(vector.expect)")
            }
        }
    }

    @Test("recipients and identities round-trip through Bech32")
    func bech32() throws {
        let identity = X25519Identity.generate()
        let parsed = try X25519Identity(identity.encoded)
        #expect(identity.encoded.hasPrefix("AGE-SECRET-KEY-1"))
        #expect(parsed.recipient == identity.recipient)
        #expect(try X25519Recipient(identity.recipient.description) == identity.recipient)
        #expect(throws: BackupError.self) { try X25519Recipient("age1notarecipient") }
    }
}
