import NIOCore
import NIOHTTP1
import ShipshapeCore

/// Proxies the requests of one client connection (or one HTTP/2 stream) to upstream targets, streaming bodies
/// both ways with backpressure: the client is read only while the upstream can take more, and vice versa.
/// HTTP/1.1 pipelining is handled here too (`pipelined`): NIO's pipelining handler would pause and resume reading
/// the client around every response, two `epoll_ctl` calls per request.
final class ProxyHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// The exchange's progress. Transitions: idle → admitting (rate limit) → connecting → proxying → idle;
    /// any state → responding (the gateway answers itself) → idle; proxying → tunnel (WebSocket) → closed.
    enum State {
        case idle
        case admitting(Exchange)
        case connecting(Exchange)
        case proxying(Exchange)
        case responding(Exchange)
        case tunnel
        case closed
    }

    let runtime: GatewayRuntime
    let connection: ConnectionInfo
    /// The HTTP/1 connection's header and idle deadlines (nil on HTTP/2 streams), told when a head arrives and
    /// when a response ends.
    let deadline: HeadDeadlineHandler?
    var state: State = .idle
    var readPending = false
    var context: ChannelHandlerContext?
    /// Where `100 Continue` is written: below the response compressor when there is one (it would take the
    /// interim response for the answer to the request), else this handler's own context.
    var interimContext: ChannelHandlerContext?
    /// Told when each response ends, so it adds the response compressor only between responses.
    var acceptEncoding: AcceptEncodingHandler?
    /// The metrics series of this connection's last request (reused while requests land on the same one).
    var metricsSeries: GatewayMetrics.RequestSeries?
    /// `upstream_timeout`: armed when a request goes upstream, disarmed by the response head.
    var responseTimer: LazyTimer?
    /// HTTP/1.1 pipelining: what arrived for later requests while an earlier one's response was still going
    /// out, delivered in order once it has. Reads pause while anything waits here, so it holds at most one
    /// read's worth.
    var pipelined = CircularBuffer<PipelinedEvent>()
    var deliveringPipelined = false
    /// Graceful shutdown (`ChannelShouldQuiesceEvent`): the connection closes after the response in flight.
    var quiescing = false
    /// Whether a request has begun on this connection (a quiescing connection without one gets a grace period).
    var requestStarted = false

    /// A request part, or the parser's verdict on the bytes that were to be one.
    enum PipelinedEvent {
        case part(HTTPServerRequestPart)
        case malformed(HTTPParserError)
    }

    init(runtime: GatewayRuntime, connection: ConnectionInfo, deadline: HeadDeadlineHandler? = nil) {
        self.runtime = runtime
        self.connection = connection
        self.deadline = deadline
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        // The compressor joins right after the accept-encoding handler: a write from that handler's context
        // goes past it.
        let acceptEncodingContext = try? context.pipeline.syncOperations.context(handlerType: AcceptEncodingHandler.self)
        interimContext = acceptEncodingContext ?? context
        acceptEncoding = acceptEncodingContext?.handler as? AcceptEncodingHandler
        responseTimer = LazyTimer(eventLoop: context.eventLoop) { [weak self] in self?.upstreamTimedOut() }
        // Accepted as the gateway began to stop: NIO's quiesce event may have passed before this handler existed.
        if !connection.isHTTP2, runtime.shuttingDown.load(ordering: .sequentiallyConsistent) { quiesce(context: context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        interimContext = nil
        acceptEncoding = nil
        responseTimer?.cancel()
        responseTimer = nil
    }

    /// Logs and counts a finished exchange.
    func record(_ exchange: Exchange, context: ChannelHandlerContext) {
        runtime.recordCompleted(exchange, on: context.eventLoop, series: &metricsSeries)
    }

    // MARK: - Client → gateway

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if pipelined.isEmpty, takesNextEvent {
            handle(part, context: context)
        } else {
            pipelined.append(.part(part))
        }
    }

    /// False while the current request has fully arrived but its response has not: what comes next belongs to
    /// a later request and waits in `pipelined`.
    var takesNextEvent: Bool {
        switch state {
        case .idle, .tunnel, .closed:
            return true
        case .admitting(let exchange), .connecting(let exchange), .proxying(let exchange), .responding(let exchange):
            return !exchange.requestEnded
        }
    }

    /// Delivers the waiting pipelined events for as long as the exchange in progress takes them.
    func deliverPipelined(context: ChannelHandlerContext) {
        // A response finished while delivering (the gateway answered a pipelined request itself) comes back
        // here: the loop below goes on with the next request instead of recursing.
        guard !deliveringPipelined else { return }
        deliveringPipelined = true
        defer { deliveringPipelined = false }
        while takesNextEvent, let event = pipelined.popFirst() {
            switch event {
            case .part(let part): handle(part, context: context)
            case .malformed(let error): rejectMalformedRequest(error, context: context)
            }
        }
        // Outside a read cycle no channelReadComplete follows to flush what went upstream.
        if case .proxying(let exchange) = state { exchange.lease?.channel.flush() }
    }

    func handle(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        switch (state, part) {
        case (.idle, .head(let head)):
            receiveHead(head, context: context)
        case (.admitting(let exchange), _), (.connecting(let exchange), _):
            guard let part = acceptBodyPart(part, exchange: exchange, context: context) else { return }
            exchange.buffered.append(part)
        case (.proxying(let exchange), _):
            guard let part = acceptBodyPart(part, exchange: exchange, context: context),
                let lease = exchange.lease
            else { return }
            // Only body bytes make a retry unsafe (they are not kept); the end of a request without a body is not.
            if case .body = part { exchange.bodyForwarded = true }
            lease.channel.write(part, promise: nil)
            armRequestTimer(exchange)
        case (.responding(let exchange), _):
            if case .end = part { exchange.requestEnded = true }
        case (.idle, _), (.tunnel, _), (.closed, _):
            break
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if case .proxying(let exchange) = state { exchange.lease?.channel.flush() }
        context.fireChannelReadComplete()
    }

    /// Counts body bytes against `max_body_size` and converts the part for the upstream; nil when rejected.
    func acceptBodyPart(
        _ part: HTTPServerRequestPart, exchange: Exchange, context: ChannelHandlerContext
    ) -> HTTPClientRequestPart? {
        switch part {
        case .head:
            return nil
        case .body(let buffer):
            if exchange.bodyNotFramed, buffer.readableBytes > 0 {
                // Written upstream unframed, these bytes would be the next request on a pooled connection
                // (request smuggling): the exchange ends here, and its upstream connection with it.
                abortUpstream(exchange)
                respond(
                    .badRequest("a GET or HEAD request sent a body without content-length"), exchange: exchange, context: context,
                    forceClose: true)
                return nil
            }
            exchange.requestBodyBytes += buffer.readableBytes
            if exchange.requestBodyBytes > runtime.configuration.limits.maxBodySize.bytes {
                abortUpstream(exchange)
                respond(.payloadTooLarge, exchange: exchange, context: context, forceClose: true)
                return nil
            }
            return .body(.byteBuffer(buffer))
        case .end(let trailers):
            exchange.requestEnded = true
            return .end(trailers)
        }
    }

    func receiveHead(_ received: HTTPRequestHead, context: ChannelHandlerContext) {
        deadline?.headReceived()
        var head = received
        let targetProblem = connection.isHTTP2
            ? RequestTarget.http2Problem(head) : RequestTarget.normalize(&head, localAddress: context.channel.localAddress)
        let incomingID = head.headers.first(name: RequestID.headerName)
        let requestID = incomingID.flatMap { RequestID.isWellFormed($0) ? $0 : nil } ?? RequestID.generate()
        let clientIP = runtime.forwarded.clientIP(peer: connection.peerIP, headers: head.headers)
        let isUpgrade = !connection.isHTTP2 && head.headers.contains(name: "upgrade")
            && head.headers[canonicalForm: "connection"].contains { $0.lowercased() == "upgrade" }
        let exchange = Exchange(head: head, requestID: requestID, clientIP: clientIP, isUpgrade: isUpgrade)
        state = .responding(exchange)
        requestStarted = true

        if let targetProblem {
            respond(.badRequest(targetProblem), exchange: exchange, context: context, forceClose: true)
            return
        }
        if !connection.isHTTP2, RequestTarget.hasUnknownTransferCoding(head.headers) {
            // Its body could not be read, nor passed on (the coding is hop-by-hop): RFC 9112 §6.1's 501.
            let response = GatewayErrorResponse(
                status: .notImplemented, code: "not_implemented", message: "only the chunked transfer coding is implemented")
            respond(response, exchange: exchange, context: context, forceClose: true)
            return
        }
        if head.method != .GET, let answer = RequestTarget.ownAnswer(to: head) {
            // Bytes of the tunnel a CONNECT asked for may follow its head: they are not a request.
            respond(answer, exchange: exchange, context: context, forceClose: head.method == .CONNECT)
            return
        }
        let rawPath = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? head.uri
        // Routes and limits match the path as the application will read it; the request goes on as written.
        guard let pathOnly = PathNormalizer.normalize(rawPath) else {
            respond(.badRequest("the path climbs above the root"), exchange: exchange, context: context, forceClose: true)
            return
        }
        if pathOnly == GatewayRuntime.healthPath {
            respondHealth(exchange: exchange, context: context)
            return
        }
        if let keyAuthorization = runtime.acmeChallenges?.keyAuthorization(forPath: pathOnly) {
            respondACMEChallenge(keyAuthorization, exchange: exchange, context: context)
            return
        }
        if runtime.isInMaintenance {
            respond(runtime.maintenanceResponse, exchange: exchange, context: context)
            return
        }
        let host = head.headers.first(name: "host")
        guard let route = runtime.router.route(path: pathOnly, host: host) else {
            respond(.notFound, exchange: exchange, context: context)
            return
        }
        exchange.service = route.service
        exchange.route = route.prefix
        if let length = head.headers.first(name: "content-length").flatMap(Int.init),
            length > runtime.configuration.limits.maxBodySize.bytes
        {
            respond(.payloadTooLarge, exchange: exchange, context: context, forceClose: true)
            return
        }
        prepareUpstreamHead(exchange, host: host)
        if head.headers[canonicalForm: "expect"].contains(where: { $0.lowercased() == "100-continue" }) {
            exchange.upstreamHead.headers.remove(name: "expect")
            interimContext?.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .continue))), promise: nil)
        }
        admit(exchange, pathOnly: pathOnly, host: host, context: context)
    }

    /// Rewrites the request for the upstream: hop-by-hop headers out, forwarding headers, request ID, trace.
    func prepareUpstreamHead(_ exchange: Exchange, host: String?) {
        var head = exchange.upstreamHead
        let hadChunkedBody = head.headers[canonicalForm: "transfer-encoding"].contains { $0.lowercased() == "chunked" }
        HopByHopHeaders.strip(&head.headers, keepUpgrade: exchange.isUpgrade)
        if hadChunkedBody || (connection.isHTTP2 && !head.headers.contains(name: "content-length")) {
            if head.method != .GET && head.method != .HEAD {
                head.headers.add(name: "transfer-encoding", value: "chunked")
            } else {
                exchange.bodyNotFramed = true
            }
        }
        head.version = .http1_1
        if connection.isHTTP2 {
            if !head.headers.contains(name: "host"), let authority = host { head.headers.add(name: "host", value: authority) }
            CookieCrumbs.join(&head.headers)
        }
        runtime.forwarded.apply(
            to: &head.headers, peer: connection.peerIP, clientIP: exchange.clientIP, scheme: connection.scheme,
            host: host)
        if !HeaderName.containsAny(head.headers, Self.tracingNames) {
            head.headers.add(name: RequestID.headerName, value: exchange.requestID)
            head.headers.add(name: TraceParent.headerName, value: TraceParent.generate())
        } else {
            head.headers.replaceOrAdd(name: RequestID.headerName, value: exchange.requestID)
            if !(head.headers.first(name: TraceParent.headerName).map(TraceParent.isValid) ?? false) {
                head.headers.replaceOrAdd(name: TraceParent.headerName, value: TraceParent.generate())
            }
        }
        exchange.upstreamHead = head
    }

    /// The request's tracing headers, lowercased: kept (a valid traceparent) or replaced (the request ID).
    static let tracingNames = [RequestID.headerName.lowercased(), TraceParent.headerName].map { Array($0.utf8) }

    // MARK: - Backpressure

    func read(context: ChannelHandlerContext) {
        guard pipelined.isEmpty else {
            readPending = true
            return
        }
        switch state {
        case .admitting, .connecting:
            readPending = true
        case .proxying(let exchange):
            if let lease = exchange.lease, !lease.channel.isWritable {
                readPending = true
            } else {
                context.read()
            }
        default:
            context.read()
        }
    }

    func resumeReading() {
        guard readPending, pipelined.isEmpty, let context else { return }
        readPending = false
        context.read()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if case .proxying(let exchange) = state {
            exchange.lease?.handler.clientWritable = context.channel.isWritable
        }
        context.fireChannelWritabilityChanged()
    }

    // MARK: - Teardown

    func channelInactive(context: ChannelHandlerContext) {
        switch state {
        case .admitting(let exchange), .connecting(let exchange), .proxying(let exchange):
            abortUpstream(exchange)
            if exchange.status == nil { exchange.status = HTTPResponseStatus(statusCode: 499) }
            record(exchange, context: context)
        default:
            break
        }
        state = .closed
        pipelined.removeAll()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let parserError = error as? HTTPParserError {
            // Bad bytes after a complete request are a later request's: its 400 waits for the earlier answers.
            if pipelined.isEmpty, takesNextEvent {
                rejectMalformedRequest(parserError, context: context)
            } else {
                pipelined.append(.malformed(parserError))
            }
            return
        }
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is ChannelShouldQuiesceEvent, !connection.isHTTP2 else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        quiesce(context: context)
    }

    /// Graceful shutdown: the request in progress is answered, then the connection closes; pipelined requests
    /// not yet started are left for the client to retry elsewhere. An idle connection closes at once, unless it
    /// has not sent a request yet: then it has `GatewayRuntime.lateRequestGrace` to send one.
    func quiesce(context: ChannelHandlerContext) {
        let first = !quiescing
        quiescing = true
        pipelined.removeAll()
        guard case .idle = state else { return }
        if requestStarted {
            state = .closed
            context.close(promise: nil)
        } else if first {
            let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: GatewayRuntime.lateRequestGrace) {
                guard case .idle = handler.value.state, let context = handler.value.context else { return }
                handler.value.state = .closed
                context.close(promise: nil)
            }
        }
    }

    /// Closes an exchange's upstream connection (it is mid-request and cannot be reused).
    func abortUpstream(_ exchange: Exchange) {
        responseTimer?.disarm()
        if let lease = exchange.lease {
            lease.handler.delegate = nil
            lease.channel.close(promise: nil)
            exchange.lease = nil
        }
    }
}

@available(*, unavailable)
extension ProxyHandler: Sendable {}
