/// Runs `operation` in a task of its own and waits for it: work that must finish even when the calling task was
/// cancelled — by SIGINT/SIGTERM, or by the failure it cleans up after. Deleting what a failed backup wrote,
/// releasing a lock, undoing a deploy: in the cancelled task itself, their network requests would end at once.
public func uncancelled<Value: Sendable>(_ operation: sending @escaping () async throws -> Value) async throws -> Value {
    try await Task(operation: operation).value
}

/// `uncancelled` for work that cannot fail.
public func uncancelled<Value: Sendable>(_ operation: sending @escaping () async -> Value) async -> Value {
    await Task(operation: operation).value
}
