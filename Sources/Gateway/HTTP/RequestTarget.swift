import NIOCore
import NIOHTTP1
import ShipshapeCore

/// What RFC 9112 asks of a server about an HTTP/1 request's target, `Host` and transfer codings, checked
/// before a request is routed.
enum RequestTarget {
    /// Whether `Transfer-Encoding` names a coding besides the final `chunked` (such as `gzip, chunked`), which
    /// the gateway cannot decode. Only requests with the header pay for the look.
    static func hasUnknownTransferCoding(_ headers: HTTPHeaders) -> Bool {
        guard headers.contains(name: "transfer-encoding") else { return false }
        return headers[canonicalForm: "transfer-encoding"].contains { !$0.equalsIgnoringASCIICase("chunked") }
    }

    /// The gateway's own answer to a request it must not pass on, by its method:
    /// - `CONNECT` asks for a tunnel to any host, which is a forward proxy's job, not a gateway's: 405;
    /// - `TRACE` would have the application echo the request back, cookies and `Authorization` included, to a
    ///   script that could not read them otherwise (cross-site tracing): 405, as nginx answers;
    /// - `OPTIONS *` asks about the server itself, not a resource: the gateway answers with the methods it passes on.
    static func ownAnswer(to head: HTTPRequestHead) -> GatewayErrorResponse? {
        switch head.method {
        case .CONNECT:
            return .methodNotAllowed("CONNECT: the gateway does not open tunnels")
        case .TRACE:
            return .methodNotAllowed("TRACE is not passed on (it would echo credentials back to the client)")
        case .OPTIONS where head.uri == "*":
            var answer = GatewayErrorResponse(status: .ok, code: "ok", message: "", extraHeaders: [("Allow", GatewayErrorResponse.allowedMethods)])
            answer.body = ""
            return answer
        default:
            return nil
        }
    }

    /// Why an HTTP/2 request must be refused with 400, if it must: its authority (`:authority`, which
    /// `HTTP2AuthorityHandler` made its one `Host`) is not a host name or address.
    static func http2Problem(_ head: HTTPRequestHead) -> String? {
        guard let authority = head.headers.first(name: "host"), isValidHost(Substring(authority)) else {
            return "the request's :authority is not a host name or address with an optional port"
        }
        return nil
    }

    /// Whether `value` is `uri-host [ ":" port ]` (RFC 3986): a bracketed IP literal, or a name of letters,
    /// digits and `-._~!$&'()*+;=%` (sub-delims without the comma, which would split `X-Forwarded-Host`), and a
    /// port up to 65535.
    static func isValidHost(_ value: Substring) -> Bool {
        var value = value
        return value.withUTF8 { bytes in
            var index = 0
            if bytes.first == UInt8(ascii: "[") {
                guard let close = bytes.firstIndex(of: UInt8(ascii: "]")), close > 1 else { return false }
                for byte in bytes[1..<close] where !(isHexDigit(byte) || byte == UInt8(ascii: ":") || byte == UInt8(ascii: ".")) {
                    return false
                }
                index = close + 1
            } else {
                while index < bytes.count, bytes[index] != UInt8(ascii: ":") {
                    guard isNameByte(bytes[index]) else { return false }
                    index += 1
                }
                guard index > 0 else { return false }
            }
            guard index < bytes.count else { return true }
            guard bytes[index] == UInt8(ascii: ":"), bytes.count - index - 1 <= 5 else { return false }
            var port = 0
            for byte in bytes[(index + 1)...] {
                guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return false }
                port = port * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return port <= 65535
        }
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "f"))
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "!"), UInt8(ascii: "$"),
            UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"),
            UInt8(ascii: ";"), UInt8(ascii: "="), UInt8(ascii: "%"):
            return true
        default:
            return false
        }
    }

    /// The host of a valid `Host` value without its port, IP literals kept in brackets (`[::1]`).
    static func hostWithoutPort(_ value: String) -> Substring {
        if value.hasPrefix("["), let close = value.firstIndex(of: "]") { return value[...close] }
        return value.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first ?? Substring(value)
    }

    /// Brings an HTTP/1 request's target and `Host` to the form routing and upstreams expect (RFC 9112 §3.2):
    /// an absolute-form target (`GET http://shop.example/a`) becomes its path, with its authority as the one
    /// `Host`; an HTTP/1.0 request without `Host` gets the address it reached. Returns why the request must be
    /// refused with 400 instead: an HTTP/1.1 request with no `Host`, or with more than one.
    static func normalize(_ head: inout HTTPRequestHead, localAddress: SocketAddress?) -> String? {
        // The usual origin-form target starts with "/": no scheme to look for (this runs for every request).
        for scheme in ["http://", "https://"] where head.uri.utf8.first != UInt8(ascii: "/")
            && head.uri.utf8.count > scheme.utf8.count && head.uri.prefix(scheme.count).equalsIgnoringASCIICase(scheme)
        {
            let rest = head.uri.dropFirst(scheme.count)
            let end = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
            let authority = rest[..<end]
            guard isValidHost(authority) else { return "the request target has no usable host" }
            let path = rest[end...]
            head.uri = path.hasPrefix("/") ? String(path) : "/" + path
            head.headers.remove(name: "host")
            head.headers.add(name: "host", value: String(authority))
            return nil
        }
        var hosts = 0
        var valid = true
        for (name, value) in head.headers where name.equalsIgnoringASCIICase("host") {
            hosts += 1
            valid = valid && isValidHost(Substring(value))
        }
        if hosts > 1 { return "more than one Host header" }
        // RFC 9112 §3.2: a server MUST answer 400 to an invalid Host; passed on, `x@evil` or `a/b` poisons the
        // links the application builds from it (password-reset mails) and X-Forwarded-Host.
        if !valid { return "the Host header is not a host name or address with an optional port" }
        if hosts == 0 {
            guard head.version == .http1_0 else { return "an HTTP/1.1 request needs a Host header" }
            let address = localAddress.flatMap { address in
                address.ipAddress.map { ip in address.protocol == .inet6 ? "[\(ip)]:\(address.port ?? 80)" : "\(ip):\(address.port ?? 80)" }
            }
            head.headers.add(name: "host", value: address ?? "localhost")
        }
        return nil
    }
}
