import NIOCore
import NIOHTTP1
import NIOPosix
import ShipshapeCore

/// One active health check: `GET path` on a target; any 2xx within the timeout is healthy.
struct HealthProbe: Sendable {
    let path: String
    let timeout: TimeAmount

    func check(_ target: HostPort, on eventLoop: any EventLoop) -> EventLoopFuture<Bool> {
        let promise = eventLoop.makePromise(of: Bool.self)
        let timeoutTask = eventLoop.scheduleTask(in: timeout) { promise.succeed(false) }
        let path = self.path
        ClientBootstrap(group: eventLoop)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(ProbeHandler(promise: promise))
                }
            }
            .connect(host: target.host, port: target.port)
            .whenComplete { result in
                switch result {
                case .success(let channel):
                    var headers = HTTPHeaders()
                    headers.add(name: "host", value: target.description)
                    headers.add(name: "user-agent", value: "shipshape-health/\(ShipshapeVersion.current)")
                    headers.add(name: "connection", value: "close")
                    channel.write(HTTPClientRequestPart.head(HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: headers)), promise: nil)
                    channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
                    promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
                case .failure:
                    promise.succeed(false)
                }
            }
        return promise.futureResult.always { _ in timeoutTask.cancel() }
    }
}

/// Completes the probe's promise with whether the response status was 2xx.
final class ProbeHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    let promise: EventLoopPromise<Bool>

    init(promise: EventLoopPromise<Bool>) { self.promise = promise }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = unwrapInboundIn(data) {
            promise.succeed((200..<300).contains(head.status.code))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.succeed(false)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.succeed(false)
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension ProbeHandler: Sendable {}
