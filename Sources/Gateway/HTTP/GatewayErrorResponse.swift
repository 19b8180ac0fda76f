import NIOCore
import NIOHTTP1
import ShipshapeCore

/// A response the gateway produces itself: JSON with the request ID, as the contract requires.
struct GatewayErrorResponse: Sendable {
    let status: HTTPResponseStatus
    let code: String
    let message: String
    var extraHeaders: [(String, String)] = []
    var body: String? = nil
    var contentType = "application/json"

    static func badRequest(_ message: String = "malformed request") -> Self {
        Self(status: .badRequest, code: "bad_request", message: message)
    }
    /// The methods the gateway passes on, for `Allow` in its own answers about methods.
    static let allowedMethods = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"
    static func methodNotAllowed(_ message: String) -> Self {
        Self(status: .methodNotAllowed, code: "method_not_allowed", message: message, extraHeaders: [("Allow", allowedMethods)])
    }
    static let notFound = Self(status: .notFound, code: "not_found", message: "no route for this path")
    static let requestTimeout = Self(status: .requestTimeout, code: "request_timeout", message: "request headers took too long")
    static let requestBodyTimeout = Self(
        status: .requestTimeout, code: "request_timeout", message: "the request body stopped arriving")
    static let payloadTooLarge = Self(status: .payloadTooLarge, code: "payload_too_large", message: "request body is larger than allowed")
    static let headersTooLarge = Self(
        status: .requestHeaderFieldsTooLarge, code: "headers_too_large", message: "request headers are larger than allowed")
    static let badGateway = Self(status: .badGateway, code: "bad_gateway", message: "the upstream refused or reset the connection")
    static let malformedUpstreamResponse = Self(
        status: .badGateway, code: "bad_gateway", message: "the upstream's response was malformed")
    static let oversizedUpstreamHead = Self(
        status: .badGateway, code: "bad_gateway", message: "the upstream's response headers are too large for HTTP/2")
    static let gatewayTimeout = Self(status: .gatewayTimeout, code: "gateway_timeout", message: "the upstream did not answer in time")
    static let noHealthyTarget = Self(
        status: .serviceUnavailable, code: "no_healthy_target", message: "no healthy target for this service",
        extraHeaders: [("Retry-After", "5")])
    static let overloaded = Self(
        status: .serviceUnavailable, code: "overloaded", message: "too many connections", extraHeaders: [("Retry-After", "1")])

    /// The JSON body: `{"error": code, "message": …, "request_id": …}` unless a body was given.
    func jsonBody(requestID: String) -> String {
        if let body { return body }
        var writer = JSONLineWriter()
        writer.field("error", string: code)
        writer.field("message", string: message)
        writer.field("request_id", string: requestID)
        return writer.finish()
    }

    /// The complete HTTP/1.1 response as bytes, for handlers below the HTTP encoder (408, overload).
    /// `headers`: the listener's security headers, which every answer carries.
    func encoded(requestID: String, headers: HTTPHeaders, allocator: ByteBufferAllocator) -> ByteBuffer {
        let body = jsonBody(requestID: requestID)
        var text = "HTTP/1.1 \(status.code) \(status.reasonPhrase)\r\n"
        text += "content-type: application/json\r\ncontent-length: \(body.utf8.count)\r\nconnection: close\r\n"
        text += "x-request-id: \(requestID)\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        for (name, value) in extraHeaders { text += "\(name): \(value)\r\n" }
        text += "\r\n" + body
        return allocator.buffer(string: text)
    }
}
