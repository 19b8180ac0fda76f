import NIOCore
import NIOHTTP1
import ShipshapeCore

extension ProxyHandler {
    /// Applies rate limits, then connects. With a shared store the decision arrives later on this loop.
    func admit(_ exchange: Exchange, pathOnly: String, host: String?, context: ChannelHandlerContext) {
        guard let admission = runtime.admission else {
            connect(exchange, context: context)
            return
        }
        state = .admitting(exchange)
        let outcome = admission.admit(
            method: exchange.method.rawValue, path: pathOnly, host: host, clientIP: exchange.clientIP,
            headers: exchange.upstreamHead.headers, eventLoop: context.eventLoop)
        switch outcome {
        case .decided(let verdict):
            admitted(exchange, verdict: verdict, context: context)
        case .pending(let decision):
            decision.assumeIsolated().whenComplete { result in
                guard case .admitting(let current) = self.state, current === exchange, let context = self.context else { return }
                switch result {
                case .success(let verdict): self.admitted(exchange, verdict: verdict, context: context)
                case .failure: self.respond(.rateLimitUnavailable, exchange: exchange, context: context)
                }
            }
        }
    }

    func admitted(_ exchange: Exchange, verdict: AdmissionVerdict, context: ChannelHandlerContext) {
        exchange.extraResponseHeaders = verdict.headers
        if let rejection = verdict.rejection {
            respond(rejection.response, exchange: exchange, context: context)
            return
        }
        connect(exchange, context: context)
    }

    /// Picks a target of the active color and leases a connection to it.
    func connect(_ exchange: Exchange, context: ChannelHandlerContext, fresh: Bool = false) {
        guard let service = exchange.service else { return }
        switch runtime.registry.pick(service: service) {
        case .unknownService:
            respond(.noHealthyTarget, exchange: exchange, context: context)
            return
        case .noHealthyTarget(let color):
            // The 503 is the active color's failure: counted under it, a deploy's bake window sees a new
            // version that stopped serving after the switch.
            exchange.color = color
            respond(.noHealthyTarget, exchange: exchange, context: context)
            return
        case .target(let target, let color):
            exchange.target = target
            exchange.color = color
        }
        guard let pool = runtime.pools.pool(for: context.eventLoop), let target = exchange.target else {
            respond(.badGateway, exchange: exchange, context: context)
            return
        }
        if !fresh, let lease = pool.acquireIdle(target) {
            startForwarding(exchange, lease: lease, context: context)
            return
        }
        state = .connecting(exchange)
        pool.connect(target).assumeIsolated().whenComplete { result in
            guard case .connecting(let current) = self.state, current === exchange, let context = self.context else {
                if case .success(let lease) = result { lease.channel.close(promise: nil) }
                return
            }
            switch result {
            case .success(let lease):
                self.startForwarding(exchange, lease: lease, context: context)
            case .failure:
                if let color = exchange.color {
                    self.runtime.registry.connectFailed(service: service, color: color, target: target)
                }
                if !exchange.retried {
                    exchange.retried = true
                    self.connect(exchange, context: context, fresh: true)
                } else {
                    self.respond(.badGateway, exchange: exchange, context: context)
                }
            }
        }
    }

    func startForwarding(_ exchange: Exchange, lease: UpstreamConnectionPool.Lease, context: ChannelHandlerContext) {
        exchange.lease = lease
        lease.handler.delegate = self
        lease.handler.clientWritable = context.channel.isWritable
        state = .proxying(exchange)
        let channel = lease.channel
        channel.write(HTTPClientRequestPart.head(exchange.upstreamHead), promise: nil)
        for part in exchange.buffered {
            if case .body = part { exchange.bodyForwarded = true }
            channel.write(part, promise: nil)
        }
        exchange.buffered.removeAll()
        channel.flush()
        armRequestTimer(exchange)
        resumeReading()
    }

    /// `upstream_timeout` counts from the end of the request, as nginx's `proxy_read_timeout` does: an upload
    /// that takes longer than it is the client's time, not the upstream's. While the body is still coming, the
    /// same timer is the client's: a body that stops arriving for `idle_timeout` gets a 408.
    func armRequestTimer(_ exchange: Exchange) {
        guard !exchange.responseStarted else { return }
        let limits = runtime.configuration.limits
        responseTimer?.arm(in: .nanoseconds((exchange.requestEnded ? limits.upstreamTimeout : limits.idleTimeout).nanoseconds))
    }

    /// No response head within `upstream_timeout` of the request's end: 504. A request body that stopped
    /// arriving for `idle_timeout`: 408, the client's fault, not the upstream's.
    func upstreamTimedOut() {
        guard case .proxying(let exchange) = state, !exchange.responseStarted, let context else { return }
        abortUpstream(exchange)
        if exchange.requestEnded {
            respond(.gatewayTimeout, exchange: exchange, context: context)
        } else {
            respond(.requestBodyTimeout, exchange: exchange, context: context, forceClose: true)
        }
    }
}

// MARK: - Upstream → client

extension ProxyHandler: UpstreamResponseDelegate {
    func upstreamResponseHead(_ head: HTTPResponseHead) {
        guard case .proxying(let exchange) = state, let context else { return }
        if head.status.code < 200, head.status != .switchingProtocols { return }
        if head.status == .switchingProtocols, !exchange.isUpgrade {
            // A 101 to a request that asked for no upgrade (any HTTP/2 request): the connection would change
            // protocol under a client that cannot follow (HTTP/2 has no 101: its clients fail the connection).
            abortUpstream(exchange)
            respond(.malformedUpstreamResponse, exchange: exchange, context: context)
            return
        }
        responseTimer?.disarm()
        exchange.responseStarted = true
        exchange.status = head.status
        var response = head
        let isTunnel = exchange.isUpgrade && head.status == .switchingProtocols
        HopByHopHeaders.strip(&response.headers, keepUpgrade: isTunnel)
        if exchange.clientIsHTTP10, !connection.isHTTP2 {
            // No chunked coding in HTTP/1.0 (RFC 9112 §6.1): a body without a length is written as it comes
            // and ends with the connection.
            response.version = .http1_0
            exchange.closeDelimited = !response.headers.contains(name: "content-length")
                && Self.responseHasBody(status: head.status, method: exchange.method)
        } else {
            response.version = .http1_1
        }
        if isTunnel, let upgrade = head.headers.first(name: "upgrade") {
            response.headers.replaceOrAdd(name: "upgrade", value: upgrade)
        }
        runtime.decorate(&response.headers, requestID: exchange.requestID, secure: connection.isSecure, extra: exchange.extraResponseHeaders)
        if let acceptEncoding {
            if CompressionPolicy.isCandidate(response, minimumSize: acceptEncoding.minimumSize) { CompressionPolicy.addVary(&response.headers) }
            if exchange.method == .HEAD, acceptEncoding.compressorAdded { response.headers.add(name: CompressionPolicy.identityMarker, value: "1") }
        }
        if !exchange.keepAlive || exchange.closeDelimited || quiescing, !connection.isHTTP2 {
            response.headers.replaceOrAdd(name: "connection", value: "close")
        } else if exchange.clientIsHTTP10 {
            response.headers.replaceOrAdd(name: "connection", value: "keep-alive")
        }
        if connection.isHTTP2, Self.headerBytes(response.headers) > Self.http2HeaderBlockLimit {
            // NIO sends no CONTINUATION frames: a header block over one HEADERS frame fails to encode, and the
            // stream would carry its body without a head (curl: "empty reply"), logged as a 200.
            abortUpstream(exchange)
            exchange.responseStarted = false  // nothing of it was written
            respond(.oversizedUpstreamHead, exchange: exchange, context: context)
            return
        }
        context.write(wrapOutboundOut(.head(response)), promise: nil)
        if isTunnel { context.flush() }
    }

    /// What fits one HTTP/2 HEADERS frame at the default frame size (16 KiB), counted before HPACK compression
    /// (which can only shrink it). nginx refuses upstream heads over 4–8 KB (`proxy_buffer_size`) with a 502.
    static let http2HeaderBlockLimit = 16_000

    static func headerBytes(_ headers: HTTPHeaders) -> Int {
        headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 4 }
    }

    /// Whether a response carries a body (RFC 9110 §6.4.1): not to HEAD, not 1xx, 204 or 304.
    static func responseHasBody(status: HTTPResponseStatus, method: HTTPMethod) -> Bool {
        method != .HEAD && status.code >= 200 && status != .noContent && status != .notModified
    }

    func upstreamResponseBody(_ body: ByteBuffer) {
        guard case .proxying(let exchange) = state, let context else { return }
        exchange.bytesSent += body.readableBytes
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
    }

    func upstreamResponseEnd(_ trailers: HTTPHeaders?) {
        guard case .proxying(let exchange) = state, let context else { return }
        if exchange.isUpgrade, exchange.status == .switchingProtocols {
            // The 101 is complete; what follows on both connections is the upgraded protocol's bytes.
            startTunnel(exchange, context: context)
            return
        }
        responseTimer?.disarm()
        let lease = exchange.lease
        exchange.lease = nil
        if let lease, let target = exchange.target {
            if exchange.requestEnded {
                runtime.pools.pool(for: context.eventLoop)?.release(lease, target: target)
            } else {
                // The upstream answered before reading the whole body: the connection's framing is unknown.
                lease.channel.close(promise: nil)
            }
        }
        finish(exchange, context: context, trailers: exchange.clientIsHTTP10 ? nil : trailers,
            close: !exchange.requestEnded || exchange.closeDelimited)
    }

    func upstreamReadComplete() {
        context?.flush()
    }

    func upstreamFailed(_ error: any Error) {
        guard case .proxying(let exchange) = state, let context else { return }
        responseTimer?.disarm()
        let lease = exchange.lease
        exchange.lease = nil
        lease?.channel.close(promise: nil)
        if exchange.responseStarted {
            // Nothing honest can be sent after a partial response: cut the connection (or the HTTP/2 stream).
            exchange.status = exchange.status ?? .badGateway
            record(exchange, context: context)
            state = .closed
            context.close(promise: nil)
            return
        }
        // A reused keep-alive connection the upstream closed meanwhile: retry an idempotent request once on a
        // fresh one, if it had no body (body bytes are not kept). A POST is not sent twice: the upstream may have
        // acted on it before the connection went (nginx's rule too). Nor is a request whose answer was unreadable.
        // NIO's decoder reports a connection that closed before any answer as "stream ended at an unexpected time".
        let malformed = (error as? HTTPParserError).map { $0 != .invalidEOFState } ?? false
        if lease?.reused == true, !malformed, exchange.method.isIdempotent, !exchange.bodyForwarded, exchange.requestEnded,
            !exchange.retried
        {
            exchange.retried = true
            exchange.buffered = [.end(nil)]
            connect(exchange, context: context, fresh: true)
            return
        }
        respond(
            malformed ? .malformedUpstreamResponse : .badGateway, exchange: exchange, context: context,
            forceClose: !exchange.requestEnded)
    }

    func upstreamWritabilityChanged(isWritable: Bool) {
        if isWritable { resumeReading() }
    }
}

extension HTTPMethod {
    /// Idempotent by definition (RFC 9110 section 9.2.2): sending it twice has the effect of sending it once.
    var isIdempotent: Bool {
        switch self {
        case .GET, .HEAD, .OPTIONS, .TRACE, .PUT, .DELETE: true
        default: false
        }
    }
}
