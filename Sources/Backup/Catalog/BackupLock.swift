import Foundation
import ShipshapeCore

/// One operation at a time per store and project: `backup run` and `prune` hold `<project>/lock.json`.
///
/// The lock object names its owner (host, pid, operation) and an expiry. It is created atomically
/// (`O_EXCL` in a directory, `If-None-Match: *` on S3), refreshed while the operation runs, and deleted
/// when it ends. A second operation fails fast naming the holder. A lock left by a process that died is
/// taken over once it expires, or at once when its pid no longer runs on this same host. Takers of one stale
/// lock first claim it with an exclusive marker named after its content, so only one of them ever deletes
/// it; refresh and release touch the lock only while it still carries the holder's token.
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
        // Unstructured so that it runs beside `body`; it is cancelled and awaited on every way out below.
        let refresher = Task { [self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: lifetime / Self.refreshesPerLifetime)
                guard !Task.isCancelled else { return }
                // Only our own lock is refreshed: one taken over after we stalled past its expiry is someone else's.
                guard (try? await current())?.token == owner.token else { return }
                try? await write(refreshed(owner))
            }
        }
        do {
            let value = try await body()
            refresher.cancel()
            await refresher.value
            await release(owner)
            return value
        } catch {
            refresher.cancel()
            await refresher.value
            await release(owner)
            throw error
        }
    }

    /// Deletes the lock if it is still `owner`'s (never a lock someone took over from us).
    /// Runs in a task of its own: a run cancelled by SIGTERM still releases its lock (in the cancelled task,
    /// the S3 requests would end at once).
    func release(_ owner: Owner) async {
        await uncancelled { [self] in
            guard (try? await current())?.token == owner.token else { return }
            try? await store.delete(keys: [key])
        }
    }

    func acquire(operation: String) async throws -> Owner {
        let owner = refreshed(Owner(
            host: ProcessInfo.processInfo.hostName, pid: getpid(), operation: operation, acquiredAt: Date(),
            expiresAt: Date(), token: UUID().uuidString))
        if try await store.createExclusively(key: key, bytes: try encode(owner)) { return owner }
        let seen = try? await store.get(key: key)
        let holder = seen.flatMap { try? Self.decode($0) }
        if let holder, !isStale(holder) { throw lockedError(holder) }
        guard let seen else {
            // Released between our try and our look: try once more.
            if try await store.createExclusively(key: key, bytes: try encode(owner)) { return owner }
            throw Self.sameMomentError(store, project)
        }
        try await takeOver(stale: seen, owner: owner)
        return owner
    }

    /// Replaces the stale lock whose bytes are `stale` with `owner`'s. Several processes may find the same stale
    /// lock at once: each first claims it with an exclusive marker named after its content, so exactly one may
    /// delete it, and only after seeing it is still that very lock. A loser never deletes a fresh lock.
    private func takeOver(stale: [UInt8], owner: Owner) async throws {
        var hasher = SHA256Hasher()
        hasher.update(stale[...])
        let marker = "\(project)/lock-takeover-\(hasher.finalizeHex().prefix(32)).json"
        guard try await store.createExclusively(key: marker, bytes: try encode(owner)) else {
            // A taker that died between its claim and its new lock leaves the marker: let it go once stale.
            if let claimant = try? Self.decode(try await store.get(key: marker)), isStale(claimant) {
                try? await store.delete(keys: [marker])
            }
            throw Self.sameMomentError(store, project)
        }
        do {
            // Nobody else can delete this lock while we hold its marker; it may only have been refreshed or
            // released by its holder (then it was not stale after all, or is gone).
            guard (try? await store.get(key: key)) == stale else { throw Self.sameMomentError(store, project) }
            try await store.delete(keys: [key])
            guard try await store.createExclusively(key: key, bytes: try encode(owner)) else {
                throw Self.sameMomentError(store, project)
            }
        } catch {
            try? await store.delete(keys: [marker])
            throw error
        }
        // The stale lock is gone for good: a late taker that claims the marker again finds another lock and stops.
        try? await store.delete(keys: [marker])
    }

    func lockedError(_ holder: Owner) -> BackupError {
        BackupError(
            .locked,
            "Another `\(holder.operation)` (pid \(holder.pid) on \(holder.host), since \(holder.acquiredAt.formatted(.iso8601))) holds the lock of \(store.location)/\(project)",
            hint: "Wait for it to finish; a lock left by a killed process expires at \(holder.expiresAt.formatted(.iso8601)).")
    }

    static func sameMomentError(_ store: any BackupStore, _ project: String) -> BackupError {
        BackupError(
            .locked, "Another operation took the lock of \(store.location)/\(project) at the same moment",
            hint: "Run the command again once it has finished.")
    }

    func current() async throws -> Owner {
        try Self.decode(try await store.get(key: key))
    }

    static func decode(_ bytes: [UInt8]) throws -> Owner {
        try BackupManifest.decoder().decode(Owner.self, from: Data(bytes))
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
