/// Bech32 (BIP 173) without the 90-character limit, as age uses for recipients and identities.
public enum Bech32 {
    private static let charset = Array("qpzry9x8gf2tvdw0s3jn54khce6mua7l".utf8)
    private static let generator: [UInt32] = [0x3b6a_57b2, 0x2650_8e6d, 0x1ea1_19fa, 0x3d42_33dd, 0x2a14_62b3]
    private static let separator = UInt8(ascii: "1")
    private static let checksumLength = 6

    /// Encodes `data` under `prefix`; the case of the prefix decides the case of the result.
    public static func encode(prefix: String, data: [UInt8]) -> String {
        let lowerPrefix = Array(prefix.lowercased().utf8)
        let values = convertBits(data, from: 8, to: 5, pad: true) ?? []
        let checksum = makeChecksum(prefix: lowerPrefix, values: values)
        var result = lowerPrefix + [separator]
        for value in values + checksum { result.append(charset[Int(value)]) }
        let text = String(decoding: result, as: UTF8.self)
        return prefix == prefix.uppercased() && prefix != prefix.lowercased() ? text.uppercased() : text
    }

    /// Decodes a Bech32 string, returning its lowercased prefix and data, or nil when invalid.
    public static func decode(_ text: String) -> (prefix: String, data: [UInt8])? {
        guard text == text.lowercased() || text == text.uppercased() else { return nil }
        let bytes = Array(text.lowercased().utf8)
        guard let separatorIndex = bytes.lastIndex(of: separator), separatorIndex > 0,
            bytes.count - separatorIndex - 1 >= checksumLength
        else { return nil }
        let prefix = Array(bytes[..<separatorIndex])
        guard prefix.allSatisfy({ $0 >= 33 && $0 <= 126 }) else { return nil }
        var values: [UInt8] = []
        for byte in bytes[(separatorIndex + 1)...] {
            guard let index = charset.firstIndex(of: byte) else { return nil }
            values.append(UInt8(index))
        }
        guard polymod(expand(prefix) + values) == 1 else { return nil }
        guard let data = convertBits(Array(values.dropLast(checksumLength)), from: 5, to: 8, pad: false) else {
            return nil
        }
        return (String(decoding: prefix, as: UTF8.self), data)
    }

    // MARK: - Internals

    private static func polymod(_ values: [UInt8]) -> UInt32 {
        var checksum: UInt32 = 1
        for value in values {
            let top = checksum >> 25
            checksum = (checksum & 0x1ff_ffff) << 5 ^ UInt32(value)
            for (bit, constant) in generator.enumerated() where (top >> bit) & 1 == 1 { checksum ^= constant }
        }
        return checksum
    }

    private static func expand(_ prefix: [UInt8]) -> [UInt8] {
        prefix.map { $0 >> 5 } + [0] + prefix.map { $0 & 31 }
    }

    private static func makeChecksum(prefix: [UInt8], values: [UInt8]) -> [UInt8] {
        let mod = polymod(expand(prefix) + values + [UInt8](repeating: 0, count: checksumLength)) ^ 1
        return (0..<checksumLength).map { UInt8((mod >> (5 * (5 - UInt32($0)))) & 31) }
    }

    private static func convertBits(_ data: [UInt8], from: Int, to: Int, pad: Bool) -> [UInt8]? {
        var accumulator = 0
        var bits = 0
        var result: [UInt8] = []
        let maxValue = (1 << to) - 1
        for value in data {
            guard Int(value) >> from == 0 else { return nil }
            accumulator = (accumulator << from) | Int(value)
            bits += from
            while bits >= to {
                bits -= to
                result.append(UInt8((accumulator >> bits) & maxValue))
            }
        }
        if pad {
            if bits > 0 { result.append(UInt8((accumulator << (to - bits)) & maxValue)) }
        } else if bits >= from || ((accumulator << (to - bits)) & maxValue) != 0 {
            return nil
        }
        return result
    }
}
