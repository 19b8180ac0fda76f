import ArgumentParser
import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
@preconcurrency import Darwin
#endif

/// A one-shot command whose work is cancelled by SIGINT or SIGTERM rather than cut where it stands, so it can
/// clean up: a backup kills its dump tools, removes what it had written and releases the store's lock. The
/// long-running commands (`run`, `proxy`, `demo`) shut down through their service group instead.
protocol InterruptibleCommand {}

extension ShipshapeCommand.Backup.Run: InterruptibleCommand {}
extension ShipshapeCommand.Backup.Verify: InterruptibleCommand {}
extension ShipshapeCommand.Backup.Restore: InterruptibleCommand {}
extension ShipshapeCommand.Backup.Prune: InterruptibleCommand {}

enum SignalCancellation {
    /// The first signal received, 0 until one is.
    private final class Received: Sendable {
        let signal = Atomic<Int32>(0)
    }

    /// Runs `command` in a task that SIGINT or SIGTERM cancels; a second signal exits at once. After a signal
    /// the command exits with 128 + its number (130, 143), as a shell reports a process it ended.
    static func run(_ command: sending any AsyncParsableCommand) async throws {
        let task = Task {
            var command = command
            try await command.run()
        }
        let received = Received()
        let sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                let (first, _) = received.signal.compareExchange(expected: 0, desired: number, ordering: .sequentiallyConsistent)
                guard first else { _exit(128 + number) }
                let name = number == SIGINT ? "SIGINT" : "SIGTERM"
                FileHandle.standardError.write(Data("\(name): stopping and cleaning up (send it again to quit at once)\n".utf8))
                task.cancel()
            }
            source.resume()
            return source
        }
        defer {
            for source in sources { source.cancel() }
            signal(SIGINT, SIG_DFL)
            signal(SIGTERM, SIG_DFL)
        }
        let result = await task.result
        let number = received.signal.load(ordering: .sequentiallyConsistent)
        guard number == 0 else {
            // The work's own error after a cancellation is only the cancellation seen from inside.
            FileHandle.standardError.write(Data("Error: interrupted by \(number == SIGINT ? "SIGINT" : "SIGTERM")\n".utf8))
            throw ExitCode(128 + number)
        }
        try result.get()
    }
}
