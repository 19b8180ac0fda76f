import Crypto
import Foundation
import Testing
import TestSupport

@testable import Backup

@Suite("age encryption round trips with the real age tool")
struct AgeStreamTests {
    static let sizes = [0, 1, AgeWriter.chunkSize - 1, AgeWriter.chunkSize, AgeWriter.chunkSize + 1, 300_000]

    static func pattern(_ count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) } }

    static func encrypt(_ plaintext: [UInt8], recipients: [any AgeRecipient]) async throws -> [UInt8] {
        let output = CollectingSink(limit: 64 << 20)
        let writer = try AgeWriter(recipients: recipients, downstream: output)
        // Uneven writes exercise the chunk boundary logic.
        var start = 0
        let step = 10_007
        while start < plaintext.count {
            try await writer.write(plaintext[start..<min(start + step, plaintext.count)])
            start += step
        }
        try await writer.finish()
        return output.bytes
    }

    static func requireAge() throws {
        guard ProcessRunner.isInstalled("age"), ProcessRunner.isInstalled("age-keygen") else {
            throw TestSupportError(message: "the age tool is not installed: run scripts/install-backup-deps.sh")
        }
    }

    @Test("files we encrypt to an X25519 recipient decrypt with `age -d`", arguments: sizes)
    func oursToAge(size: Int) async throws {
        try Self.requireAge()
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let keyFile = "\(directory.path)/key.txt"
        try await ProcessRunner.run(["age-keygen", "-o", keyFile])
        let identities = try X25519Identity.parseFile(String(contentsOfFile: keyFile, encoding: .utf8))
        let plaintext = Self.pattern(size)
        let encrypted = try await Self.encrypt(plaintext, recipients: [try #require(identities.first).recipient])
        try Data(encrypted).write(to: URL(fileURLWithPath: "\(directory.path)/file.age"))
        // Through the shell so an empty plaintext still yields an (empty) output file.
        let result = try await ProcessRunner.run(
            ["sh", "-c", "age -d -i \"$1\" \"$2\" > \"$3\"", "sh", keyFile, "\(directory.path)/file.age",
             "\(directory.path)/out"])
        #expect(result.status == 0, "age -d failed: \(result.stderr)")
        let decrypted = try Data(contentsOf: URL(fileURLWithPath: "\(directory.path)/out"))
        #expect([UInt8](decrypted) == plaintext)
    }

    @Test("files `age -r` encrypts decrypt with our reader", arguments: sizes)
    func ageToOurs(size: Int) async throws {
        try Self.requireAge()
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let identity = X25519Identity.generate()
        let plaintext = Self.pattern(size)
        try Data(plaintext).write(to: URL(fileURLWithPath: "\(directory.path)/in"))
        let result = try await ProcessRunner.run([
            "age", "-r", identity.recipient.description, "-o", "\(directory.path)/in.age", "\(directory.path)/in",
        ])
        #expect(result.status == 0, "age -r failed: \(result.stderr)")
        let encrypted = [UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(directory.path)/in.age")))
        let output = CollectingSink(limit: 64 << 20)
        let reader = AgeReader(identities: [identity], downstream: output)
        try await reader.write(encrypted[...])
        try await reader.finish()
        #expect(output.bytes == plaintext)
    }

    @Test("a passphrase-encrypted file decrypts with the passphrase and not with another")
    func passphrase() async throws {
        let plaintext = Self.pattern(100_000)
        // A low work factor keeps the test fast; the format is the same.
        let encrypted = try await Self.encrypt(plaintext, recipients: [ScryptRecipient(passphrase: "s3cret", workFactor: 10)])
        let output = CollectingSink(limit: 1 << 20)
        let reader = AgeReader(identities: [ScryptRecipient(passphrase: "s3cret")], downstream: output)
        try await reader.write(encrypted[...])
        try await reader.finish()
        #expect(output.bytes == plaintext)
        let wrong = AgeReader(identities: [ScryptRecipient(passphrase: "guess")], downstream: CollectingSink(limit: 1 << 20))
        let error = await #expect(throws: BackupError.self) { try await wrong.write(encrypted[...]) }
        #expect(error?.kind == .noMatchingIdentity)
    }

    @Test("a flipped bit or a truncation anywhere in the payload is detected")
    func corruption() async throws {
        let identity = X25519Identity.generate()
        let encrypted = try await Self.encrypt(Self.pattern(200_000), recipients: [identity.recipient])
        for position in [encrypted.count / 3, encrypted.count - 5] {
            var damaged = encrypted
            damaged[position] ^= 0x01
            let reader = AgeReader(identities: [identity], downstream: DiscardingSink())
            await #expect(throws: BackupError.self) {
                try await reader.write(damaged[...])
                try await reader.finish()
            }
        }
        let truncated = AgeReader(identities: [identity], downstream: DiscardingSink())
        try await truncated.write(encrypted.prefix(AgeWriter.chunkSize * 2)[...])
        await #expect(throws: BackupError.self) { try await truncated.finish() }
    }
}
