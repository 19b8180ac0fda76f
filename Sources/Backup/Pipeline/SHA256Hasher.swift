import Foundation
import Crypto

/// Incremental SHA-256 with a hex result.
struct SHA256Hasher {
    private var hash = SHA256()

    mutating func update(_ bytes: some DataProtocol) { hash.update(data: bytes) }

    func finalizeHex() -> String { Self.hex(hash.finalize()) }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { byte in
            let digits = String(byte, radix: 16)
            return byte < 16 ? "0" + digits : digits
        }.joined()
    }
}
