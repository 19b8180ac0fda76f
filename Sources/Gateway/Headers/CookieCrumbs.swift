import NIOHTTP1

/// The `Cookie` fields of a request from an HTTP/2 client, made fit for an HTTP/1.1 upstream.
enum CookieCrumbs {
    /// HTTP/2 clients send cookies as separate fields, one per cookie, so HPACK can index them; browsers do.
    /// HTTP/1.1 allows one `Cookie` header, and servers that join repeated fields with commas would read
    /// `a=1, b=2` as one cookie. RFC 9113 §8.2.3: joined with "; " before going to HTTP/1.1.
    static func join(_ headers: inout HTTPHeaders) {
        var count = 0
        for (name, _) in headers where HeaderName.matches(name, cookieName) { count += 1 }
        guard count > 1 else { return }
        let crumbs = headers.compactMap { name, value in HeaderName.matches(name, cookieName) ? value : nil }
        headers.replaceOrAdd(name: "cookie", value: crumbs.joined(separator: "; "))
    }
    static let cookieName = Array("cookie".utf8)
}
