import NIOCore
import NIOHTTP1
import ShipshapeCore

/// One request/response pair passing through the gateway, with what the access log and metrics need.
final class Exchange {
    let requestID: String
    let started: NIODeadline
    let method: HTTPMethod
    let path: String
    let clientIP: String
    let userAgent: String
    let keepAlive: Bool
    let isUpgrade: Bool
    /// The client spoke HTTP/1.0: its response is HTTP/1.0, and one without a length ends the connection.
    let clientIsHTTP10: Bool
    /// The response is delimited by closing the connection (no length, for an HTTP/1.0 client).
    var closeDelimited = false
    /// The request as it will be sent upstream (rewritten headers).
    var upstreamHead: HTTPRequestHead
    var service: String?
    var route: String = "-"
    var target: HostPort?
    var color: Color?
    var status: HTTPResponseStatus?
    var bytesSent = 0
    var requestBodyBytes = 0
    var requestEnded = false
    var responseStarted = false
    var bodyForwarded = false
    /// An HTTP/2 GET or HEAD without `content-length`: it goes upstream without body framing, so a body that
    /// follows its head anyway must never be written there (the upstream would read it as the next request).
    var bodyNotFramed = false
    var retried = false
    /// Request parts received before the upstream connection was ready (at most one read's worth).
    var buffered: [HTTPClientRequestPart] = []
    /// Headers added to the response by the gateway (rate limit quota).
    var extraResponseHeaders: [(name: String, value: String)] = []
    var lease: UpstreamConnectionPool.Lease?

    init(head: HTTPRequestHead, requestID: String, clientIP: String, isUpgrade: Bool) {
        self.requestID = requestID
        self.started = .now()
        self.method = head.method
        self.path = head.uri
        self.clientIP = clientIP
        self.userAgent = head.headers.first(name: "user-agent") ?? "-"
        self.keepAlive = head.isKeepAlive
        self.isUpgrade = isUpgrade
        self.clientIsHTTP10 = head.version == .http1_0
        self.upstreamHead = head
    }

    /// Whether body bytes follow the head on the connection (a Content-Length above zero, or chunked). Asked
    /// only when the gateway answered before the request ended, so no request pays for the two header scans.
    var hasBody: Bool {
        upstreamHead.headers.contains(name: "transfer-encoding")
            || upstreamHead.headers.first(name: "content-length").map { $0 != "0" } ?? false
    }

    /// Time since the request head arrived.
    var durationNanoseconds: Int64 {
        (NIODeadline.now() - started).nanoseconds
    }
}

@available(*, unavailable)
extension Exchange: Sendable {}
