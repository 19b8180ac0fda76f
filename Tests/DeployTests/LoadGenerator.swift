import AsyncHTTPClient
import Foundation
import Synchronization

/// A bounded load loop through the gateway: `concurrency` workers sending GET requests back to back
/// until stopped, at most `maximumRequests` in all; it counts every answer by status and every transport error.
final class LoadGenerator: Sendable {
    static let defaultConcurrency = 4
    static let maximumRequests = 200_000

    let url: String
    let httpClient: HTTPClient
    let concurrency: Int
    private let stopped = Atomic<Bool>(false)
    private let counts = Mutex<(statuses: [Int: Int], errors: [String])>(([:], []))

    init(url: String, httpClient: HTTPClient, concurrency: Int = defaultConcurrency) {
        self.url = url
        self.httpClient = httpClient
        self.concurrency = concurrency
    }

    /// Sends requests until `stop()`.
    func run() async {
        let budget = Self.maximumRequests / concurrency
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var sent = 0
                    while sent < budget, !self.stopped.load(ordering: .relaxed) {
                        await self.send()
                        sent += 1
                    }
                }
            }
        }
    }

    func stop() { stopped.store(true, ordering: .relaxed) }

    private func send() async {
        do {
            let response = try await httpClient.execute(HTTPClientRequest(url: url), timeout: .seconds(5))
            _ = try await response.body.collect(upTo: 1 << 20)
            let code = Int(response.status.code)
            counts.withLock { $0.statuses[code, default: 0] += 1 }
        } catch {
            counts.withLock { $0.errors.append("\(error)") }
        }
    }

    /// Answers by status.
    var statuses: [Int: Int] { counts.withLock { $0.statuses } }
    /// Transport errors.
    var errors: [String] { counts.withLock { $0.errors } }
    /// Every answer counted.
    var total: Int { statuses.values.reduce(0, +) + errors.count }
    /// Answers that were not 2xx, plus transport errors.
    var failures: Int { statuses.filter { !(200..<300).contains($0.key) }.values.reduce(0, +) + errors.count }
}
