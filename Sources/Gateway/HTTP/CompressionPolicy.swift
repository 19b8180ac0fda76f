import NIOHTTP1
import NIOHTTPCompression

/// Which responses are worth compressing, and the headers that say a response was or could have been.
enum CompressionPolicy {
    static let compressibleTypes: [[UInt8]] = [
        "text/", "application/json", "application/javascript", "application/xml", "application/xhtml+xml",
        "application/rss+xml", "application/atom+xml", "image/svg+xml", "application/wasm",
        "application/manifest+json", "application/ld+json", "application/problem+json",
    ].map { Array($0.utf8) }

    /// Set by the proxy handler on the answer to a `HEAD` request when the response compressor is in the
    /// pipeline, and removed by the compressor's predicate: a `HEAD` answer has no body to compress, and NIO's
    /// compressor would label it `gzip` with the length of an empty gzip stream.
    static let identityMarker = "x-shipshape-identity"

    /// Whether the response would be compressed for a client that accepts gzip: a compressible type, not already
    /// encoded, not a range, not marked `no-transform`, not known to be below `minimumSize`. Read in one pass.
    static func isCandidate(_ head: HTTPResponseHead, minimumSize: Int) -> Bool {
        if head.status == .switchingProtocols || head.status == .noContent || head.status == .notModified { return false }
        var compressibleType = false
        for (name, value) in head.headers {
            switch name.utf8.count {
            case 12 where HeaderName.matches(name, Key.contentType):
                compressibleType = compressibleTypes.contains { startsWithIgnoringCase(value, $0) }
            case 14 where HeaderName.matches(name, Key.contentLength):
                if let length = Int(value), length < minimumSize { return false }
            case 16 where HeaderName.matches(name, Key.contentEncoding):
                return false
            case 13 where HeaderName.matches(name, Key.contentRange):
                return false
            case 13 where HeaderName.matches(name, Key.cacheControl):
                if value.utf8.split(separator: UInt8(ascii: ",")).contains(where: { directive in
                    equalsIgnoringCase(trimmingWhitespace(directive), Key.noTransform)
                }) {
                    return false
                }
            default:
                continue
            }
        }
        return compressibleType
    }

    /// Whether to compress this response (for a client that accepts it). HTTP/1.0 has no chunked coding: a
    /// compressed body, whose length is unknown, would have to end the connection; such clients get the identity
    /// body with its length.
    static func shouldCompress(head: HTTPResponseHead, minimumSize: Int) -> Bool {
        head.version != .http1_0 && isCandidate(head, minimumSize: minimumSize)
    }

    /// Adds `Accept-Encoding` to `Vary` (RFC 9110 §12.5.5) so a shared cache in front keeps the gzip and identity
    /// answers apart, whichever this client got; kept as it is when the upstream's `Vary` already names it or `*`.
    static func addVary(_ headers: inout HTTPHeaders) {
        let existing = headers[canonicalForm: "vary"]
        if existing.isEmpty {
            headers.add(name: "Vary", value: "Accept-Encoding")
        } else if !existing.contains(where: { $0 == "*" || $0.equalsIgnoringASCIICase("accept-encoding") }) {
            headers.replaceOrAdd(name: "Vary", value: (existing + ["Accept-Encoding"]).joined(separator: ", "))
        }
    }

    /// A strong validator names one exact byte sequence (RFC 9110 §8.8.1); the compressed body is another, so its
    /// `ETag` becomes weak, as nginx does. Revalidation still works: `If-None-Match` compares weakly.
    static func weakenETag(_ headers: inout HTTPHeaders) {
        guard let etag = headers.first(name: "etag"), etag.hasPrefix("\"") else { return }
        headers.replaceOrAdd(name: "ETag", value: "W/" + etag)
    }

    /// The predicate handed to NIO's response compressor: called for every response head it sees.
    static func predicate(minimumSize: Int) -> (inout HTTPResponseHead, Bool) -> HTTPResponseCompressor.CompressionIntent {
        { head, requestSupportsCompression in
            if head.headers.contains(name: identityMarker) {
                head.headers.remove(name: identityMarker)
                return .doNotCompress
            }
            guard requestSupportsCompression, shouldCompress(head: head, minimumSize: minimumSize) else { return .doNotCompress }
            weakenETag(&head.headers)
            return .compressIfPossible
        }
    }

    private enum Key {
        static let contentType = Array("content-type".utf8)
        static let contentLength = Array("content-length".utf8)
        static let contentEncoding = Array("content-encoding".utf8)
        static let contentRange = Array("content-range".utf8)
        static let cacheControl = Array("cache-control".utf8)
        static let noTransform = Array("no-transform".utf8)
    }

    private static func trimmingWhitespace(_ bytes: Substring.UTF8View.SubSequence) -> Substring.UTF8View.SubSequence {
        let isWhitespace = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        guard let first = bytes.firstIndex(where: { !isWhitespace($0) }), let last = bytes.lastIndex(where: { !isWhitespace($0) })
        else { return bytes[bytes.startIndex..<bytes.startIndex] }
        return bytes[first...last]
    }

    private static func startsWithIgnoringCase(_ value: String, _ prefix: [UInt8]) -> Bool {
        var value = value
        return value.withUTF8 { bytes in
            bytes.count >= prefix.count && equalsIgnoringCase(bytes.prefix(prefix.count), prefix)
        }
    }

    private static func equalsIgnoringCase<Bytes: Collection<UInt8>>(_ bytes: Bytes, _ key: [UInt8]) -> Bool {
        guard bytes.count == key.count else { return false }
        return zip(bytes, key).allSatisfy { byte, expected in
            (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte) == expected
        }
    }
}
