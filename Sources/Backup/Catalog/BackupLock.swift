import Foundation
import ShipshapeCore

/// One operation at a time per store and project: `backup run` and `prune` hold `<project>/lock.json`.
///
/// The lock object names its owner (host, pid, operation) and an expiry. It is created atomically
/// (`O_EXCL` in a directory, `If-None-Match: *` on S3), refreshed while the operation runs, and deleted
/// when it ends. A second operation fails fast naming the holder. A lock left by a process that died is
/// taken over once it expires, or at once when its pid no longer runs on this same host.
public struct BackupLock: Sendable {
    /// The lock object's name under the project.
    public static let fileName = "lock.json"
    /// How long a lock lives without a refresh: a killed run blocks others at most this long (other hosts).
    public static let defaultLifetime: Duration = .seconds(120)
    /// Refreshes per lifetime: two refreshes can fail (a slow store) before the lock lapses.
    static let refreshesPerLifetime = 3

    /// What the lock object records.
    public struct Owner: Codable, Sendable, Equatable {
        /// The host name of the holder.
        public var host: String
        /// Its process id.
        public var pid: Int32
        /// `backup run` or `backup prune`.
        public var operation: String
        /// When it was taken.
        public var acquiredAt: Date
        /// When it stops counting unless refreshed.
        public var expiresAt: Date
        /// Distinguishes this holder from an earlier one with the same pid.
        public var token: String
    }

    let store: any BackupStore
    let project: String
    let lifetime: Duration

    /// The lock of `project` in `store`.
    public init(store: any BackupStore, project: String, lifetime: Duration = BackupLock.defaultLifetime) {
        self.store = store
        self.project = project
        self.lifetime = lifetime
    }

    var key: String { "\(project)/\(Self.fileName)" }

    /// Runs `body` holding the lock; throws at once when another operation holds it.
    public func withLock<Value>(operation: String, _ body: () async throws -> Value) async throws -> Value {
        let owner = try await acquire(operation: operation)
        let refresher = Task { [self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: lifetime / Self.refreshesPerLifetime)
                guard !Task.isCancelled else { return }
                try? await write(refreshed(owner))
            }
        }
        do {
            let value = try await body()
            refresher.cancel()
            await refresher.value
            try? await store.delete(keys: [key])
            return value
        } catch {
            refresher.cancel()
            await refresher.value
            try? await store.delete(keys: [key])
            throw error
        }
    }

    func acquire(operation: String) async throws -> Owner {
        let owner = refreshed(Owner(
            host: ProcessInfo.processInfo.hostName, pid: getpid(), operation: operation, acquiredAt: Date(),
            expiresAt: Date(), token: UUID().uuidString))
        if try await store.createExclusively(key: key, bytes: try encode(owner)) { return owner }
        let holder = try? await current()
        if let holder, !isStale(holder) {
            throw BackupError(
                .locked,
                "Another `\(holder.operation)` (pid \(holder.pid) on \(holder.host), since \(holder.acquiredAt.formatted(.iso8601))) holds the lock of \(store.location)/\(project)",
                hint: "Wait for it to finish; a lock left by a killed process expires at \(holder.expiresAt.formatted(.iso8601)).")
        }
        // Stale (or unreadable): remove it and race for it again; the loser of that race gets the error above
        // next time, never a shared lock.
        try await store.delete(keys: [key])
        guard try await store.createExclusively(key: key, bytes: try encode(owner)) else {
            throw BackupError(
                .locked, "Another operation took the lock of \(store.location)/\(project) at the same moment",
                hint: "Run the command again once it has finished.")
        }
        return owner
    }

    func current() async throws -> Owner {
        try BackupManifest.decoder().decode(Owner.self, from: Data(try await store.get(key: key)))
    }

    func isStale(_ holder: Owner) -> Bool {
        if holder.expiresAt < Date() { return true }
        // Same host: a pid that no longer runs (gone, or a zombie nobody reaps) cannot be running the operation.
        return holder.host == ProcessInfo.processInfo.hostName && !ProcessTable.isRunning(holder.pid)
    }

    func refreshed(_ owner: Owner) -> Owner {
        var owner = owner
        let seconds = Double(lifetime.components.seconds)
        owner.expiresAt = Date().addingTimeInterval(seconds)
        return owner
    }

    func encode(_ owner: Owner) throws -> [UInt8] { Array(try BackupManifest.encoder().encode(owner)) }

    func write(_ owner: Owner) async throws { try await store.put(key: key, bytes: try encode(owner)) }
}
