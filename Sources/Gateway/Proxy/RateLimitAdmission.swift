import NIOCore
import NIOHTTP1
import RateLimit

/// The gateway's admission stage backed by the rate limiter: quota headers on every matched response,
/// a 429 (or 503 when the shared store is down and the policy fails closed) for refused requests.
struct RateLimitAdmission: Admission {
    let limiter: RateLimiter

    func admit(
        method: String, path: String, host: String?, clientIP: String, headers: HTTPHeaders, eventLoop: any EventLoop
    ) -> EventLoopFuture<AdmissionVerdict> {
        var fields: [(name: String, value: String)] = []
        fields.reserveCapacity(headers.count)
        for (name, value) in headers { fields.append((name, value)) }
        let request = RateLimitRequest(method: method, path: path, host: host, clientIP: clientIP, headers: fields)
        return limiter.decide(request, on: eventLoop).map { decision in
            guard let decision else { return AdmissionVerdict(headers: []) }
            guard !decision.allowed else { return AdmissionVerdict(headers: decision.headers) }
            var response = GatewayErrorResponse(
                status: HTTPResponseStatus(statusCode: decision.rejectionStatus), code: "rate_limited",
                message: "rate limited")
            response.body = decision.rejectionBody
            return AdmissionVerdict(
                headers: decision.headers,
                rejection: AdmissionVerdict.Rejection(policy: decision.policy, response: response))
        }
    }
}
