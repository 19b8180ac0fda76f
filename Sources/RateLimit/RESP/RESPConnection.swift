import NIOCore
import NIOPosix
import ShipshapeCore

/// One TCP connection to Redis on one event loop; commands sent on it are pipelined.
final class RESPConnection: Sendable {
    /// The channel carrying the connection.
    let channel: any Channel

    private init(channel: any Channel) {
        self.channel = channel
    }

    /// True while the connection can carry commands.
    var isActive: Bool { channel.isActive }

    /// Connects on `eventLoop`, authenticates and selects the database.
    static func connect(
        to address: RedisAddress, on eventLoop: any EventLoop, connectTimeout: TimeAmount, commandTimeout: TimeAmount
    ) -> EventLoopFuture<RESPConnection> {
        let label = address.description
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([
                        ByteToMessageHandler(RESPDecoder()),
                        RESPCommandHandler(commandTimeout: commandTimeout, address: label),
                    ])
                }
            }
        return bootstrap.connect(host: address.host, port: address.port)
            .flatMapErrorThrowing { error in
                throw RateLimitError.storeUnreachable(address: label, reason: "\(error)")
            }
            .flatMap { channel in
                let connection = RESPConnection(channel: channel)
                return connection.prepare(address).map { connection }
                    .flatMapError { error in channel.close().flatMapThrowing { throw error } }
            }
    }

    /// Sends one command; the future holds the reply, error replies included. The command handler
    /// flushes once per event loop tick, so commands sent together are pipelined in one write.
    func send(_ arguments: [String]) -> EventLoopFuture<RESPValue> {
        let promise = channel.eventLoop.makePromise(of: RESPValue.self)
        channel.write(RESPCommand(arguments: arguments, promise: promise), promise: nil)
        return promise.futureResult
    }

    /// Sends one command and turns an error reply into a thrown `RateLimitError.storeError`.
    func sendExpectingSuccess(_ arguments: [String]) -> EventLoopFuture<RESPValue> {
        send(arguments).flatMapThrowing { reply in
            if case .error(let message) = reply { throw RateLimitError.storeError(message) }
            return reply
        }
    }

    /// Closes the connection.
    func close() -> EventLoopFuture<Void> {
        channel.close().recover { _ in }
    }

    private func prepare(_ address: RedisAddress) -> EventLoopFuture<Void> {
        var steps = channel.eventLoop.makeSucceededVoidFuture()
        if let password = address.password {
            steps = steps.flatMap { self.sendExpectingSuccess(["AUTH", password]).map { _ in } }
        }
        if address.database != 0 {
            steps = steps.flatMap { self.sendExpectingSuccess(["SELECT", String(address.database)]).map { _ in } }
        }
        return steps
    }
}
