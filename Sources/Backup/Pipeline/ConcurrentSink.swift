import Synchronization

/// A stage boundary: `downstream` runs on a task of its own, fed through a bounded buffer, so the stages
/// before it (reading the dump, encrypting) and after it (hashing, writing to the store) use two cores
/// rather than taking turns on one.
///
/// `write` returns as soon as the bytes are queued and waits only while `limit` bytes are queued, so memory
/// stays bounded and a slow store still slows the dump down. A failure downstream is thrown by the next
/// `write` or by `finish`; `abandon` stops the stage without finishing its downstream.
final class ConcurrentSink: ByteSink, @unchecked Sendable {
    // @unchecked: `downstream` is used only by the drain task; `finish` and `abandon` read its results after
    // awaiting that task, which orders those reads after its last use.

    /// Queued bytes beyond which `write` waits for the downstream to catch up.
    static let defaultLimit = 2 << 20

    private struct State {
        var chunks: [ArraySlice<UInt8>] = []
        var queuedBytes = 0
        var finished = false
        var abandoned = false
        var failure: (any Error)?
        /// The drain task, waiting for chunks.
        var consumer: CheckedContinuation<Void, Never>?
        /// `write`, waiting for room.
        var producer: CheckedContinuation<Void, Never>?
    }

    private enum Step {
        case process([ArraySlice<UInt8>], wake: CheckedContinuation<Void, Never>?)
        case wait
        case finish
        case stop
    }

    private let downstream: any ByteSink
    private let limit: Int
    private let state = Mutex(State())
    private var drain: Task<Void, any Error>?

    /// Starts the drain task that feeds `downstream`.
    init(_ downstream: any ByteSink, limit: Int = ConcurrentSink.defaultLimit) {
        self.downstream = downstream
        self.limit = limit
        drain = Task { try await self.run() }
    }

    func write(_ bytes: ArraySlice<UInt8>) async throws {
        while true {
            let (consumer, queued, failure) = state.withLock { state in
                if let failure = state.failure { return (nil as CheckedContinuation<Void, Never>?, false, Optional(failure)) }
                guard state.queuedBytes < limit else { return (nil, false, nil) }
                state.chunks.append(bytes)
                state.queuedBytes += bytes.count
                defer { state.consumer = nil }
                return (state.consumer, true, nil)
            }
            consumer?.resume()
            if let failure { throw failure }
            if queued { return }
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state in
                    if state.queuedBytes < limit || state.failure != nil { return true }
                    state.producer = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        }
    }

    /// Waits until everything queued is written, then finishes the downstream; throws its failure.
    func finish() async throws {
        let consumer = state.withLock { state in
            state.finished = true
            defer { state.consumer = nil }
            return state.consumer
        }
        consumer?.resume()
        try await drain?.value
    }

    /// Stops without finishing the downstream (the run failed): drops what is queued and waits until the drain
    /// task has stopped using the downstream, so the caller may abort the store's writer.
    func abandon() async {
        let consumer = state.withLock { state in
            state.abandoned = true
            state.chunks = []
            state.queuedBytes = 0
            defer { state.consumer = nil }
            return state.consumer
        }
        consumer?.resume()
        _ = try? await drain?.value
    }

    private func run() async throws {
        while true {
            let step = state.withLock { state -> Step in
                if state.abandoned { return .stop }
                if !state.chunks.isEmpty {
                    let batch = state.chunks
                    state.chunks = []
                    state.queuedBytes = 0
                    defer { state.producer = nil }
                    return .process(batch, wake: state.producer)
                }
                return state.finished ? .finish : .wait
            }
            switch step {
            case .process(let batch, let producer):
                producer?.resume()
                do {
                    for chunk in batch { try await downstream.write(chunk) }
                } catch {
                    fail(error)
                    throw error
                }
            case .wait:
                await withCheckedContinuation { continuation in
                    let ready = state.withLock { state in
                        if !state.chunks.isEmpty || state.finished || state.abandoned { return true }
                        state.consumer = continuation
                        return false
                    }
                    if ready { continuation.resume() }
                }
            case .finish:
                try await downstream.finish()
                return
            case .stop:
                return
            }
        }
    }

    private func fail(_ error: any Error) {
        let producer = state.withLock { state in
            state.failure = error
            defer { state.producer = nil }
            return state.producer
        }
        producer?.resume()
    }
}
