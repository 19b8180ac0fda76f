/// Runs work that must not take longer than a limit (hooks): the first of the work and the limit to end
/// wins, and the loser is cancelled (a child process then gets its teardown sequence).
enum TimeLimit {
    /// `body`'s result, or nil when `limit` passed first; errors from `body` are rethrown.
    static func run<Value: Sendable>(
        _ limit: Duration, _ body: @escaping @Sendable () async throws -> Value
    ) async throws -> Value? {
        try await withThrowingTaskGroup(of: Value?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }
}
