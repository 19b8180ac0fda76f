import NIOCore
import NIOHTTP1
import ShipshapeCore

extension ProxyHandler {
    /// Answers the current request from the gateway itself (errors, 429, maintenance, health).
    func respond(
        _ response: GatewayErrorResponse, exchange: Exchange, context: ChannelHandlerContext, forceClose: Bool = false
    ) {
        if exchange.responseStarted {
            // Part of the upstream's answer is already on the wire: an error can only be told by closing.
            abortUpstream(exchange)
            exchange.status = response.status
            record(exchange, context: context)
            state = .closed
            context.close(promise: nil)
            return
        }
        state = .responding(exchange)
        exchange.status = response.status
        let close = forceClose || !exchange.keepAlive || quiescing
        exchange.bytesSent = writeHeadAndBody(
            response, requestID: exchange.requestID, extra: exchange.extraResponseHeaders, close: close,
            withBody: exchange.method != .HEAD, context: context)
        finish(exchange, context: context, trailers: nil, close: close)
    }

    /// Writes the head and body of a gateway answer, decorated like every response; returns the body's size.
    func writeHeadAndBody(
        _ response: GatewayErrorResponse, requestID: String, extra: [(name: String, value: String)], close: Bool,
        withBody: Bool, context: ChannelHandlerContext
    ) -> Int {
        let body = response.jsonBody(requestID: requestID)
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: response.contentType)
        headers.add(name: "content-length", value: String(body.utf8.count))
        for (name, value) in response.extraHeaders { headers.add(name: name, value: value) }
        runtime.decorate(&headers, requestID: requestID, secure: connection.isSecure, extra: extra)
        if close, !connection.isHTTP2 { headers.add(name: "connection", value: "close") }
        if !withBody, acceptEncoding?.compressorAdded == true { headers.add(name: CompressionPolicy.identityMarker, value: "1") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: response.status, headers: headers))), promise: nil)
        guard withBody else { return 0 }
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
        return body.utf8.count
    }

    /// A request the HTTP/1 parser refused (bad framing, CL+TE, a bad chunk size, an oversized head): a JSON 400
    /// or 431 unless part of a response is already out, then the connection closes. Never forwarded; a request
    /// that was already going upstream is cut there and logged with the status.
    func rejectMalformedRequest(_ error: HTTPParserError, context: ChannelHandlerContext) {
        let response: GatewayErrorResponse
        switch error {
        case .headerOverflow: response = .headersTooLarge
        default: response = .badRequest("malformed request: \(error)")
        }
        switch state {
        case .idle:
            break
        case .admitting(let exchange), .connecting(let exchange), .proxying(let exchange):
            // A bad chunk in a body on its way upstream: the upstream's half of the exchange is cut.
            abortUpstream(exchange)
            respond(response, exchange: exchange, context: context, forceClose: true)
            return
        case .responding, .tunnel, .closed:
            context.close(promise: nil)
            return
        }
        state = .closed
        // No head of this request went past the response compressor: its answer is written below it.
        let below = interimContext ?? context
        _ = writeHeadAndBody(response, requestID: RequestID.generate(), extra: [], close: true, withBody: true, context: below)
        below.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    /// `GET /health` on the gateway itself.
    func respondHealth(exchange: Exchange, context: ChannelHandlerContext) {
        var response = GatewayErrorResponse(status: .ok, code: "ok", message: "")
        response.body = #"{"status":"ok"}"#
        exchange.route = GatewayRuntime.healthPath
        respond(response, exchange: exchange, context: context)
    }

    /// An HTTP-01 challenge the gateway's ACME client is waiting on: the key authorization, as plain text.
    func respondACMEChallenge(_ keyAuthorization: String, exchange: Exchange, context: ChannelHandlerContext) {
        var response = GatewayErrorResponse(status: .ok, code: "ok", message: "")
        response.body = keyAuthorization
        response.contentType = "application/octet-stream"
        exchange.route = ACMEChallenges.pathPrefix
        respond(response, exchange: exchange, context: context)
    }

    /// Ends the response, logs and counts the exchange, and returns to idle (or closes).
    func finish(_ exchange: Exchange, context: ChannelHandlerContext, trailers: HTTPHeaders?, close: Bool) {
        record(exchange, context: context)
        let mustClose = close || !exchange.keepAlive || quiescing
        // A request body still arriving after the answer can't be skipped safely on HTTP/1: close instead. A
        // request without a body only has its end-of-message left, which the idle state drops.
        let unreadBody = !exchange.requestEnded && !connection.isHTTP2 && exchange.hasBody
        state = .idle
        exchange.buffered.removeAll()
        if mustClose || unreadBody {
            state = .closed
            pipelined.removeAll()
            context.writeAndFlush(wrapOutboundOut(.end(trailers))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        } else {
            deadline?.responseCompleted()
            acceptEncoding?.responseEnded()
            context.writeAndFlush(wrapOutboundOut(.end(trailers)), promise: nil)
            deliverPipelined(context: context)
        }
        resumeReading()
    }
}
