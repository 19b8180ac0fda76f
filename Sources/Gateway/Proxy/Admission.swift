import NIOCore
import NIOHTTP1

/// The verdict of the admission stage (rate limits) for one request.
struct AdmissionVerdict: Sendable {
    /// A refusal: the policy that refused and the response to send.
    struct Rejection: Sendable {
        let policy: String
        let response: GatewayErrorResponse
    }

    /// Headers for the response whether or not the request is admitted (quota headers).
    var headers: [(name: String, value: String)]
    /// Set when the request must not go upstream.
    var rejection: Rejection?
}

/// An admission decision: made inline (the in-memory store), or to come (Redis, a token to verify).
enum AdmissionOutcome {
    case decided(AdmissionVerdict)
    case pending(EventLoopFuture<AdmissionVerdict>)
}

/// Decides whether a request may proceed; the gateway's rate limiter is the implementation.
protocol Admission: Sendable {
    func admit(
        method: String, path: String, host: String?, clientIP: String, headers: HTTPHeaders, eventLoop: any EventLoop
    ) -> AdmissionOutcome
}

extension GatewayErrorResponse {
    static let rateLimitUnavailable = Self(
        status: .serviceUnavailable, code: "rate_limit_unavailable",
        message: "the shared rate limit store is unreachable", extraHeaders: [("Retry-After", "1")])
}
