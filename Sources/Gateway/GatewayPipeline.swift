import NIOCore
import NIOHTTP1
import NIOHTTP2
import NIOSSL
import ShipshapeCore

/// Builds the channel pipelines of client connections: TLS, ALPN, HTTP/1.1 or HTTP/2, limits, proxy.
struct GatewayPipeline: Sendable {
    let runtime: GatewayRuntime
    let tls: TLSContextStore?
    /// When set, the plain listener redirects to HTTPS on this port.
    let redirectToHTTPSPort: Int?

    var limits: LimitsConfiguration { runtime.configuration.limits }

    /// Configures a freshly accepted connection.
    func configure(_ channel: any Channel) -> EventLoopFuture<Void> {
        channel.eventLoop.makeCompletedFuture {
            let active = runtime.activeConnections.wrappingAdd(1, ordering: .relaxed).newValue
            runtime.metrics.connectionOpened()
            channel.closeFuture.whenComplete { _ in
                runtime.activeConnections.wrappingSubtract(1, ordering: .relaxed)
                runtime.metrics.connectionClosed()
            }
            if active > limits.maxConnections {
                // On TLS a plaintext 503 would be garbage to the client before any handshake: just close.
                guard tls == nil else {
                    channel.close(promise: nil)
                    return false
                }
                let response = GatewayErrorResponse.overloaded.encoded(
                    requestID: RequestID.generate(), headers: runtime.answerHeaders(secure: false), allocator: channel.allocator)
                channel.writeAndFlush(response).whenComplete { _ in channel.close(promise: nil) }
                return false
            }
            let peer = channel.remoteAddress?.ipAddress ?? "0.0.0.0"
            if let tls {
                try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls.context))
            }
            try channel.pipeline.syncOperations.addHandler(
                HeadDeadlineHandler(
                    headerTimeout: .nanoseconds(limits.headerTimeout.nanoseconds),
                    idleTimeout: .nanoseconds(limits.idleTimeout.nanoseconds),
                    answerHeaders: runtime.answerHeaders(secure: tls != nil)))
            if tls == nil {
                try configureHTTP1(channel, info: ConnectionInfo(peerIP: peer, scheme: "http", isHTTP2: false))
            }
            return true
        }.flatMap { accepted in
            guard tls != nil, accepted else { return channel.eventLoop.makeSucceededVoidFuture() }
            let peer = channel.remoteAddress?.ipAddress ?? "0.0.0.0"
            return channel.configureHTTP2SecureUpgrade(
                h2ChannelConfigurator: { channel in
                    // HTTP/2 has its own framing and flow control: the header deadline ends with the handshake.
                    if let deadline = try? channel.pipeline.syncOperations.handler(type: HeadDeadlineHandler.self) {
                        channel.pipeline.syncOperations.removeHandler(deadline, promise: nil)
                    }
                    return channel.eventLoop.makeCompletedFuture {
                        let quiesce = HTTP2QuiesceHandler(runtime: runtime)
                        _ = try channel.pipeline.syncOperations.configureHTTP2Pipeline(
                            mode: .server, connectionConfiguration: .init(), streamConfiguration: .init(),
                            streamDelegate: quiesce.streamTracker(on: channel.eventLoop)
                        ) { stream in
                            stream.eventLoop.makeCompletedFuture {
                                try configureStream(stream, info: ConnectionInfo(peerIP: peer, scheme: "https", isHTTP2: true))
                            }
                        }
                        try channel.pipeline.syncOperations.addHandler(quiesce)
                    }
                },
                http1ChannelConfigurator: { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try configureHTTP1(channel, info: ConnectionInfo(peerIP: peer, scheme: "https", isHTTP2: false))
                    }
                })
        }
    }

    func configureHTTP1(_ channel: any Channel, info: ConnectionInfo) throws {
        var decoderLimits = NIOHTTPDecoderLimitConfiguration()
        decoderLimits.maxHeaderListSize = limits.maxHeaderSize.bytes
        decoderLimits.maxHeaderFieldSize = limits.maxHeaderSize.bytes
        let operations = channel.pipeline.syncOperations
        try operations.addHandler(HTTPResponseEncoder(configuration: .init()))
        try operations.addHandler(
            ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes, informationalResponseStrategy: .drop, limitConfiguration: decoderLimits)))
        // Told directly when a head arrives and a response ends: a handler of its own to watch for them would
        // cost a traversal and a dynamic cast per request part.
        let deadline = try? operations.handler(type: HeadDeadlineHandler.self)
        if let port = redirectToHTTPSPort {
            // Two handlers answer on this listener (the redirect, and the proxy for health and ACME): NIO's
            // pipelining handler keeps their answers in request order. Elsewhere the proxy handler does it
            // itself, without holding reads while each response goes out (two epoll changes per request).
            try operations.addHandler(HTTPServerPipelineHandler())
            try operations.addHandler(RedirectHandler(httpsPort: port, deadline: deadline, runtime: runtime))
        }
        try addProxyHandlers(operations, info: info, deadline: deadline)
    }

    func configureStream(_ stream: any Channel, info: ConnectionInfo) throws {
        let operations = stream.pipeline.syncOperations
        try operations.addHandler(HTTP2AuthorityHandler())
        try operations.addHandler(HTTP2FramePayloadToHTTP1ServerCodec())
        try addProxyHandlers(operations, info: info)
    }

    func addProxyHandlers(
        _ operations: ChannelPipeline.SynchronousOperations, info: ConnectionInfo, deadline: HeadDeadlineHandler? = nil
    ) throws {
        let compression = runtime.configuration.compression
        if compression.enabled {
            // It adds the response compressor once a request of the connection accepts gzip or deflate.
            try operations.addHandler(AcceptEncodingHandler(minimumSize: compression.minSize.bytes))
        }
        try operations.addHandler(ProxyHandler(runtime: runtime, connection: info, deadline: deadline))
    }
}
