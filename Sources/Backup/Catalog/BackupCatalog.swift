import Foundation

/// Reads what a store holds for a project: complete backups (with a manifest), their verification, and
/// incomplete leftovers of interrupted runs.
public struct BackupCatalog: Sendable {
    /// A complete backup as `list` shows it.
    public struct Entry: Sendable {
        /// The manifest.
        public var manifest: BackupManifest
        /// The stored verification, if `verify` ran.
        public var verification: VerificationResult?
        /// Total stored size in bytes.
        public var size: Int
    }

    let store: any BackupStore
    let project: String

    /// A catalog of `project` in `store`.
    public init(store: any BackupStore, project: String) {
        self.store = store
        self.project = project
    }

    /// The folder key of backup `id`.
    func key(_ id: String, _ file: String) -> String { "\(project)/\(id)/\(file)" }

    /// The backup id `key` (relative to the store) lies under, or nil when it is not in a folder whose name is
    /// a backup id: anything else under the project's folder is someone else's and never touched.
    func backupID(of key: String) -> String? {
        guard key.hasPrefix(project + "/") else { return nil }
        let relative = key.dropFirst(project.count + 1)
        guard let slash = relative.firstIndex(of: "/"), BackupID.isValid(relative[..<slash]) else { return nil }
        return String(relative[..<slash])
    }

    /// Objects grouped by backup id; objects outside backup folders are left out.
    func objectsByBackup() async throws -> [String: [StoredObject]] {
        var groups: [String: [StoredObject]] = [:]
        for object in try await store.list(prefix: project + "/") {
            guard let id = backupID(of: object.key) else { continue }
            groups[id, default: []].append(object)
        }
        return groups
    }

    /// The order of backups everywhere (list, prune, status, verify's default): by creation time, then by id, so
    /// backups made in the same second keep one order.
    public static func newestFirst(_ a: Entry, _ b: Entry) -> Bool {
        (a.manifest.createdAt, a.manifest.id) > (b.manifest.createdAt, b.manifest.id)
    }

    /// A backup whose manifest is there but cannot be used (cut short, edited, unreadable).
    public struct Damaged: Sendable, Equatable {
        /// The backup's folder name.
        public var id: String
        /// What is wrong, as a sentence for users.
        public var problem: String
    }

    /// Complete backups, newest first.
    public func entries() async throws -> [Entry] { try await listing().entries }

    /// Complete backups, newest first, and the backups whose manifest is damaged (by id, newest first). One bad
    /// manifest never hides the others: `list` shows it as damaged, `prune` leaves it alone (its date is unknown),
    /// `verify` and `status` go on with the rest.
    public func listing() async throws -> (entries: [Entry], damaged: [Damaged]) {
        var entries: [Entry] = []
        var damaged: [Damaged] = []
        for (id, objects) in try await objectsByBackup()
        where objects.contains(where: { $0.key.hasSuffix("/" + BackupManifest.fileName) }) {
            let manifest: BackupManifest
            do {
                manifest = try await self.manifest(id)
            } catch let error as BackupError where error.kind == .verification {
                damaged.append(Damaged(id: id, problem: error.what))
                continue
            }
            var verification: VerificationResult?
            if objects.contains(where: { $0.key.hasSuffix("/" + VerificationResult.fileName) }) {
                verification = try? BackupManifest.decoder().decode(
                    VerificationResult.self, from: Data(try await store.get(key: key(id, VerificationResult.fileName))))
            }
            entries.append(Entry(manifest: manifest, verification: verification, size: objects.reduce(0) { $0 + $1.size }))
        }
        return (entries.sorted(by: Self.newestFirst), damaged.sorted { $0.id > $1.id })
    }

    /// The plaintext size of each part of the newest complete backup, by part name; empty when there is none
    /// or it cannot be read (only an estimate for progress depends on it).
    func newestPartSizes() async -> [String: Int] {
        guard let groups = try? await objectsByBackup(),
            let newest = groups.filter({ $0.value.contains { $0.key.hasSuffix("/" + BackupManifest.fileName) } }).keys.max(),
            let manifest = try? await manifest(newest)
        else { return [:] }
        return Dictionary(manifest.parts.map { ($0.name, $0.plainSize) }, uniquingKeysWith: { first, _ in first })
    }

    /// The manifest of backup `id`.
    public func manifest(_ id: String) async throws -> BackupManifest {
        // An id is a folder name: `../../other/store/shop/ID` must not reach outside the project.
        try BackupID.validate(id)
        let bytes: [UInt8]
        do {
            bytes = try await store.get(key: key(id, BackupManifest.fileName))
        } catch let error as BackupError where error.kind == .notFound {
            throw BackupError(
                .notFound, "No complete backup '\(id)' in \(store.location)/\(project)",
                hint: "Run `shipshape backup list` for the ids of complete backups.")
        }
        let manifest: BackupManifest
        do {
            manifest = try BackupManifest.decoder().decode(BackupManifest.self, from: Data(bytes))
        } catch {
            throw BackupError(
                .verification, "The manifest of backup '\(id)' is unreadable: \(Self.describe(error))",
                hint: "The backup is damaged; use another one.")
        }
        guard manifest.id == id else {
            throw BackupError(
                .verification, "The manifest in folder '\(id)' says it is backup '\(manifest.id)'",
                hint: "The manifest was moved or edited and is not used; restore from another backup.")
        }
        try PartName.checkParts(of: manifest)
        return manifest
    }

    /// What is wrong with a manifest, in words (Swift's `DecodingError` descriptions are for programmers).
    static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "it is not a manifest" }
        // The keys as the file spells them (`created_at`, `parts[0].sha256`), not as Swift names them.
        func field(_ path: [any CodingKey]) -> String {
            func snake(_ name: String) -> String {
                name.reduce(into: "") { text, character in
                    text += character.isUppercase ? "_" + character.lowercased() : String(character)
                }
            }
            return path.map { $0.intValue.map { "[\($0)]" } ?? "." + snake($0.stringValue) }.joined().trimmingCharacters(in: ["."])
        }
        switch error {
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            return "it is not valid JSON (cut short or overwritten?)"
        case .dataCorrupted(let context):
            return "the value of \(field(context.codingPath)) is not valid"
        case .keyNotFound(let key, let context):
            return "it has no \(field(context.codingPath + [key]))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "the value of \(field(context.codingPath)) has the wrong type"
        @unknown default:
            return "it is not a manifest"
        }
    }

    /// Removes folders of runs that never wrote a manifest, except `keeping`; returns the ids removed.
    @discardableResult
    public func removeIncomplete(keeping current: String? = nil) async throws -> [String] {
        var removed: [String] = []
        for (id, objects) in try await objectsByBackup()
        where id != current && !objects.contains(where: { $0.key.hasSuffix("/" + BackupManifest.fileName) }) {
            try await store.delete(keys: objects.map(\.key))
            removed.append(id)
        }
        if let s3 = store as? S3Store {
            try await s3.abortMultipartUploads(
                prefix: project + "/", keepingUnder: current.map { "\(project)/\($0)/" }, including: { backupID(of: $0) != nil })
        }
        return removed
    }
}
