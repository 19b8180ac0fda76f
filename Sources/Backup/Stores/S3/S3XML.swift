import Foundation

/// Just enough XML reading for S3's list and multipart responses (flat, known element names).
enum S3XML {
    /// The text of every `<tag>…</tag>` in `text`, unescaped, in order.
    static func values(_ tag: String, in text: Substring) -> [String] {
        blocks(tag, in: text).map { unescape(String($0)) }
    }

    /// The raw contents of every `<tag>…</tag>` in `text`.
    static func blocks(_ tag: String, in text: Substring) -> [Substring] {
        var results: [Substring] = []
        var rest = text
        while let open = rest.range(of: "<\(tag)>") {
            guard let close = rest.range(of: "</\(tag)>", range: open.upperBound..<rest.endIndex) else { break }
            results.append(rest[open.upperBound..<close.lowerBound])
            rest = rest[close.upperBound...]
        }
        return results
    }

    static func unescape(_ text: String) -> String {
        text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&#34;", with: "\"").replacingOccurrences(of: "&amp;", with: "&")
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
