import Foundation

/// The unpadded, canonical standard Base64 that age uses in headers.
enum AgeBase64 {
    /// Encodes without padding.
    static func encode(_ bytes: some Collection<UInt8>) -> String {
        var text = Data(bytes).base64EncodedString()
        while text.hasSuffix("=") { text.removeLast() }
        return text
    }

    /// Decodes unpadded Base64, rejecting padding, foreign characters and non-canonical trailing bits.
    static func decode(_ text: some StringProtocol) -> [UInt8]? {
        guard !text.contains("=") else { return nil }
        var padded = String(text)
        let remainder = padded.utf8.count % 4
        guard remainder != 1 else { return nil }
        if remainder > 0 { padded += String(repeating: "=", count: 4 - remainder) }
        guard let data = Data(base64Encoded: padded) else { return nil }
        let bytes = [UInt8](data)
        // Foundation ignores non-zero unused bits; age requires the canonical encoding.
        guard encode(bytes) == text else { return nil }
        return bytes
    }
}
