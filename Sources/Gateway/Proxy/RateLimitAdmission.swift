import NIOCore
import NIOHTTP1
import RateLimit

/// The gateway's admission stage backed by the rate limiter: quota headers on every matched response,
/// a 429 (or 503 when the shared store is down and the policy fails closed) for refused requests.
struct RateLimitAdmission: Admission {
    let limiter: RateLimiter
    /// The request headers some policy builds keys from; only these are copied per request.
    let headerNames: [String]

    init(limiter: RateLimiter) {
        self.limiter = limiter
        headerNames = limiter.requestHeaderNames
    }

    func admit(
        method: String, path: String, host: String?, clientIP: String, headers: HTTPHeaders, eventLoop: any EventLoop
    ) -> AdmissionOutcome {
        var fields: [(name: String, value: String)] = []
        for name in headerNames {
            if let value = headers.first(name: name) { fields.append((name, value)) }
        }
        let request = RateLimitRequest(method: method, path: path, host: host, clientIP: clientIP, headers: fields)
        // The memory store decides inline: no future, no callback.
        switch limiter.decideImmediately(request) {
        case .unlimited:
            return .decided(AdmissionVerdict(headers: []))
        case .decided(let decision):
            return .decided(Self.verdict(decision))
        case .pending:
            return .pending(
                limiter.decide(request, on: eventLoop).map { decision in
                    decision.map(Self.verdict) ?? AdmissionVerdict(headers: [])
                })
        }
    }

    static func verdict(_ decision: RateLimitDecision) -> AdmissionVerdict {
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
