import NIOConcurrencyHelpers
import NIOCore
import ShipshapeCore

/// Connections to one Redis server: a few per event loop, opened lazily on the caller's loop so replies
/// come back without hopping threads; commands are spread round-robin and pipelined on each.
final class RESPConnectionPool: Sendable {
    /// Pool sizing and timeouts.
    struct Configuration: Sendable {
        /// Connections kept per event loop.
        var connectionsPerEventLoop = RESPConnectionPool.defaultConnectionsPerEventLoop
        /// How long a TCP connect may take.
        var connectTimeout: TimeAmount = RESPConnectionPool.defaultConnectTimeout
        /// How long one command may wait for its reply.
        var commandTimeout: TimeAmount = RESPConnectionPool.defaultCommandTimeout
    }

    /// Default connections per event loop.
    static let defaultConnectionsPerEventLoop = 2
    /// Default connect timeout (loopback or a LAN peer).
    static let defaultConnectTimeout: TimeAmount = .milliseconds(500)
    /// Default per-command timeout: a rate limit decision must not hold a request for long.
    static let defaultCommandTimeout: TimeAmount = .milliseconds(250)

    /// One connection slot. `empty → connecting → ready`; a failed connect or a closed connection makes
    /// the slot reconnect on next use.
    private enum Slot {
        case empty
        case connecting(EventLoopFuture<RESPConnection>)
        case ready(RESPConnection)
    }

    private struct Slots {
        var perLoop: [ObjectIdentifier: [Slot]] = [:]
        var next: [ObjectIdentifier: Int] = [:]
        var closed = false
    }

    let address: RedisAddress
    let configuration: Configuration
    private let slots = NIOLockedValueBox(Slots())

    init(address: RedisAddress, configuration: Configuration) {
        self.address = address
        self.configuration = configuration
    }

    /// A connection on `eventLoop`, reusing an open one or connecting a replacement.
    func connection(on eventLoop: any EventLoop) -> EventLoopFuture<RESPConnection> {
        let loopID = ObjectIdentifier(eventLoop)
        let size = max(configuration.connectionsPerEventLoop, 1)
        enum Choice {
            case ready(RESPConnection)
            case wait(EventLoopFuture<RESPConnection>)
            case connect(EventLoopFuture<RESPConnection>, index: Int)
            case closed
        }
        let choice: Choice = slots.withLockedValue { slots in
            if slots.closed { return .closed }
            var list = slots.perLoop[loopID] ?? Array(repeating: .empty, count: size)
            let index = (slots.next[loopID] ?? 0) % size
            slots.next[loopID] = index + 1
            switch list[index] {
            case .ready(let connection) where connection.isActive:
                return .ready(connection)
            case .connecting(let future):
                return .wait(future)
            case .ready, .empty:
                // Connecting only schedules work on the loop, so it is safe under the lock; completion
                // callbacks that take the lock are registered after it is released.
                let future = RESPConnection.connect(
                    to: address, on: eventLoop, connectTimeout: configuration.connectTimeout,
                    commandTimeout: configuration.commandTimeout)
                list[index] = .connecting(future)
                slots.perLoop[loopID] = list
                return .connect(future, index: index)
            }
        }
        switch choice {
        case .ready(let connection):
            return eventLoop.makeSucceededFuture(connection)
        case .wait(let future):
            return future.hop(to: eventLoop)
        case .closed:
            return eventLoop.makeFailedFuture(
                RateLimitError.storeUnreachable(address: address.description, reason: "pool shut down"))
        case .connect(let future, let index):
            future.whenComplete { [slots] result in
                slots.withLockedValue { slots in
                    switch result {
                    case .success(let connection): slots.perLoop[loopID]?[index] = .ready(connection)
                    case .failure: slots.perLoop[loopID]?[index] = .empty
                    }
                }
            }
            return future
        }
    }

    /// Sends one command on a pooled connection of `eventLoop`.
    func send(_ arguments: [String], on eventLoop: any EventLoop) -> EventLoopFuture<RESPValue> {
        connection(on: eventLoop).flatMap { $0.send(arguments) }
    }

    /// Closes every connection; later sends fail.
    func shutdown() async {
        let all = slots.withLockedValue { slots -> [RESPConnection] in
            slots.closed = true
            let open = slots.perLoop.values.flatMap { list in
                list.compactMap { slot -> RESPConnection? in
                    if case .ready(let connection) = slot { return connection }
                    return nil
                }
            }
            slots.perLoop = [:]
            return open
        }
        for connection in all {
            _ = try? await connection.close().get()
        }
    }
}
