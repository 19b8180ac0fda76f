/// One recipient stanza of an age header: `-> type args...` followed by a wrapped Base64 body.
public struct AgeStanza: Sendable, Equatable {
    /// The stanza type, e.g. `X25519` or `scrypt`.
    public var type: String
    /// The arguments after the type.
    public var arguments: [String]
    /// The decoded body.
    public var body: [UInt8]

    /// A stanza with the given type, arguments and body.
    public init(type: String, arguments: [String], body: [UInt8]) {
        self.type = type
        self.arguments = arguments
        self.body = body
    }

    /// Columns per body line, fixed by the age format.
    static let bodyLineLength = 64

    /// The stanza as it appears in a header, ending with a newline.
    var encoded: String {
        var text = "-> " + ([type] + arguments).joined(separator: " ") + "\n"
        let encodedBody = AgeBase64.encode(body)
        var start = encodedBody.startIndex
        while true {
            let end = encodedBody.index(start, offsetBy: Self.bodyLineLength, limitedBy: encodedBody.endIndex)
                ?? encodedBody.endIndex
            text += encodedBody[start..<end] + "\n"
            // A full final line must be followed by an empty line so readers know the body ended.
            if encodedBody.distance(from: start, to: end) < Self.bodyLineLength { break }
            start = end
        }
        return text
    }
}
