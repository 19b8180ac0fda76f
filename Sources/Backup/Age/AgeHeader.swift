import Crypto

/// The age v1 header: the version line, the recipient stanzas and the MAC.
struct AgeHeader {
    static let versionLine = "age-encryption.org/v1"
    /// The MAC line starts with these bytes; the MAC covers the header up to and including `---`.
    static let macPrefix = "---"
    /// A header larger than this is refused rather than buffered without end.
    static let maximumSize = 64 * 1024
    static let macLength = 32

    var stanzas: [AgeStanza]
    var mac: [UInt8]
    /// The exact bytes the MAC is computed over.
    var macInput: [UInt8]

    /// Builds a header for `stanzas`, computing its MAC with `fileKey`.
    init(stanzas: [AgeStanza], fileKey: SymmetricKey) {
        var text = Self.versionLine + "\n"
        for stanza in stanzas { text += stanza.encoded }
        text += Self.macPrefix
        self.stanzas = stanzas
        self.macInput = Array(text.utf8)
        self.mac = Self.computeMAC(over: macInput, fileKey: fileKey)
    }

    private init(stanzas: [AgeStanza], mac: [UInt8], macInput: [UInt8]) {
        self.stanzas = stanzas
        self.mac = mac
        self.macInput = macInput
    }

    /// The encoded header, ending with the newline after the MAC.
    var encoded: [UInt8] { macInput + Array((" " + AgeBase64.encode(mac) + "\n").utf8) }

    /// Checks the MAC against `fileKey` in constant time.
    func verifyMAC(fileKey: SymmetricKey) -> Bool {
        let key = Self.macKey(fileKey)
        return HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: macInput, using: key)
    }

    static func computeMAC(over input: [UInt8], fileKey: SymmetricKey) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: input, using: macKey(fileKey)))
    }

    private static func macKey(_ fileKey: SymmetricKey) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: fileKey, salt: [UInt8](), info: Array("header".utf8), outputByteCount: 32)
    }

    // MARK: - Parsing

    /// Parses a header at the start of `bytes`; nil when more bytes are needed, else the header and its length.
    static func parse(_ bytes: ArraySlice<UInt8>) throws(BackupError) -> (AgeHeader, Int)? {
        var cursor = bytes.startIndex
        func nextLine() throws(BackupError) -> String? {
            guard let newline = bytes[cursor...].firstIndex(of: UInt8(ascii: "\n")) else {
                if bytes.count > maximumSize { throw malformed("the header is larger than 64 KiB") }
                return nil
            }
            let line = bytes[cursor..<newline]
            guard line.allSatisfy({ $0 >= 32 && $0 <= 126 }) else {
                throw malformed("the header contains a character outside printable ASCII")
            }
            cursor = newline + 1
            return String(decoding: line, as: UTF8.self)
        }
        guard let version = try nextLine() else { return nil }
        guard version == versionLine else { throw malformed("unsupported version line '\(version.prefix(40))'") }
        var stanzas: [AgeStanza] = []
        while true {
            let lineStart = cursor
            guard let line = try nextLine() else { return nil }
            if line.hasPrefix(macPrefix + " ") || line == macPrefix {
                let parts = line.split(separator: " ", omittingEmptySubsequences: false)
                guard parts.count == 2, let mac = AgeBase64.decode(parts[1]), mac.count == macLength else {
                    throw malformed("the header MAC line is malformed")
                }
                let input = Array(bytes[bytes.startIndex..<(lineStart + macPrefix.utf8.count)])
                let header = AgeHeader(stanzas: stanzas, mac: mac, macInput: input)
                return (header, cursor - bytes.startIndex)
            }
            guard line.hasPrefix("-> ") else { throw malformed("expected a stanza or the MAC line") }
            let words = line.dropFirst(3).split(separator: " ", omittingEmptySubsequences: false)
            guard !words.isEmpty, words.allSatisfy({ !$0.isEmpty }) else {
                throw malformed("a stanza has an empty argument")
            }
            var body: [UInt8] = []
            while true {
                guard let bodyLine = try nextLine() else { return nil }
                guard bodyLine.utf8.count <= AgeStanza.bodyLineLength, let decoded = AgeBase64.decode(bodyLine)
                else { throw malformed("a stanza body line is not canonical Base64") }
                body += decoded
                if bodyLine.utf8.count < AgeStanza.bodyLineLength { break }
            }
            stanzas.append(AgeStanza(type: String(words[0]), arguments: words.dropFirst().map(String.init), body: body))
        }
    }

    static func malformed(_ detail: String) -> BackupError {
        BackupError(
            .malformedAgeFile, "Cannot read the age file: \(detail)",
            hint: "The file is not an age v1 file or was corrupted; restore from another backup.")
    }
}
