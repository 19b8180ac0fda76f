import Foundation

/// Runs blocking work (waitpid, a script that starts a server) on a thread of its own and awaits it.
///
/// Swift Testing runs every suite at once on the cooperative pool, which has one thread per core: on a
/// two-core CI machine two tests blocked in `waitpid` would stall every other test's tasks, and timing
/// bounds elsewhere (a header deadline, a rate-limit window) would then measure the stall.
public func offThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try work() }) }
        thread.stackSize = 1 << 20
        thread.start()
    }
}
