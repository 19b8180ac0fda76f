import Foundation

/// `backup prune`: applies the retention policy, never deleting the newest verified backup or everything.
public struct BackupPruner: Sendable {
    /// What prune keeps and removes.
    public struct Plan: Sendable {
        /// Backup ids kept, with why.
        public var keep: [(id: String, reasons: [String])]
        /// Backup ids removed.
        public var remove: [String]
    }

    let store: any BackupStore
    let project: String
    let policy: RetentionPolicy

    /// A pruner for `project` in `store`.
    public init(store: any BackupStore, project: String, policy: RetentionPolicy) {
        self.store = store
        self.project = project
        self.policy = policy
    }

    /// Computes the plan and, unless `dryRun`, deletes the removed backups (manifest first, so a
    /// half-deleted backup is incomplete, never listed, and cleaned up by the next run).
    public func prune(dryRun: Bool) async throws -> Plan {
        guard policy.keepsAnything else {
            throw BackupError(
                .configuration, "The retention policy keeps nothing",
                hint: "Set at least one of backup.retention last/daily/weekly/monthly/yearly above 0.")
        }
        if dryRun { return try await plan(dryRun: true) }
        return try await BackupLock(store: store, project: project).withLock(operation: "backup prune") {
            try await plan(dryRun: false)
        }
    }

    private func plan(dryRun: Bool) async throws -> Plan {
        let catalog = BackupCatalog(store: store, project: project)
        let entries = try await catalog.entries()
        // Keyed by id: backups made in the same second are distinct backups.
        let result = policy.apply(to: entries.map { (id: $0.manifest.id, time: $0.manifest.createdAt) })
        var keep = result.keep
        var remove = Set(result.remove)
        let newestVerified = entries.first { $0.verification?.passed == true }?.manifest.id
        if let newestVerified, remove.remove(newestVerified) != nil {
            keep.append((newestVerified, ["newest verified"]))
        }
        let removeOrdered = entries.map(\.manifest.id).filter { remove.contains($0) }
        if !dryRun {
            let objects = try await catalog.objectsByBackup()
            for id in removeOrdered {
                try await store.delete(keys: [catalog.key(id, BackupManifest.fileName)])
                try await store.delete(keys: (objects[id] ?? []).map(\.key).filter { !$0.hasSuffix("/" + BackupManifest.fileName) })
            }
        }
        let order = Dictionary(uniqueKeysWithValues: entries.enumerated().map { ($0.element.manifest.id, $0.offset) })
        return Plan(keep: keep.sorted { order[$0.id] ?? 0 < order[$1.id] ?? 0 }, remove: removeOrdered)
    }
}
