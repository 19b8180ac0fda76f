import Foundation
import ShipshapeCore
import Synchronization
import Testing
import TestSupport

@testable import Backup

/// One `backup run` or `prune` at a time per store: the second fails fast, naming the holder.
@Suite("backup lock")
struct BackupLockTests {
    static func settings(_ directory: TemporaryDirectory) throws -> BackupSettings {
        try directory.write("data/a.txt", "hello")
        return BackupSettings(
            project: "shop",
            configuration: BackupConfiguration(
                store: "store", encryption: .recipients([X25519Identity.generate().recipient.description]),
                retention: .init(daily: 1), sources: [.files(["data"])]),
            baseDirectory: directory.path)
    }

    @Test("while one operation holds the lock, backup run and prune fail at once naming it; afterwards both work")
    func concurrentRunsRefused() async throws {
        let directory = try TemporaryDirectory(prefix: "lock")
        defer { directory.remove() }
        let settings = try Self.settings(directory)
        let store = try settings.makeStore()
        let lock = BackupLock(store: store, project: "shop")
        try await lock.withLock(operation: "backup run") {
            let error = await #expect(throws: BackupError.self) { _ = try await BackupRunner(settings: settings, store: store).run() }
            #expect(error?.kind == .locked)
            #expect(error?.userMessage.contains("`backup run` (pid \(getpid())") == true, "\(String(describing: error))")
            let pruneError = await #expect(throws: BackupError.self) {
                _ = try await BackupPruner(store: store, project: "shop", policy: RetentionPolicy(daily: 1)).prune(dryRun: false)
            }
            #expect(pruneError?.kind == .locked)
            // Both returned while the lock is still held: they failed instead of waiting for it.
            let entries = try await BackupCatalog(store: store, project: "shop").entries()
            #expect(entries.isEmpty)
        }
        let manifest = try await BackupRunner(settings: settings, store: store).run()
        #expect(try await BackupCatalog(store: store, project: "shop").entries().map(\.manifest.id) == [manifest.id])
        #expect(!FileManager.default.fileExists(atPath: "\(directory.path)/store/shop/lock.json"))
    }

    @Test("a lock file being created is never seen empty or partial by a reader in a directory store")
    func lockAppearsWhole() async throws {
        let directory = try TemporaryDirectory(prefix: "lockwhole")
        defer { directory.remove() }
        let store = DirectoryStore(root: "\(directory.path)/store")
        let bytes = Array(String(repeating: "{\"holder\":\"x\"}", count: 64).utf8)
        var seenWrong = 0
        for round in 0..<300 {
            let key = "shop/lock-\(round).json"
            async let created = store.createExclusively(key: key, bytes: bytes)
            // A reader racing the creation: whatever it finds must be the whole content.
            for _ in 0..<10_000 {
                guard let found = try? await store.get(key: key) else { continue }
                if found != bytes { seenWrong += 1 }
                break
            }
            #expect(try await created)
        }
        #expect(seenWrong == 0, "a reader saw the lock file before its content")
    }

    @Test("two runs started together: exactly one completes, the other is refused")
    func raceForTheLock() async throws {
        let directory = try TemporaryDirectory(prefix: "lockrace")
        defer { directory.remove() }
        let settings = try Self.settings(directory)
        let store = try settings.makeStore()
        async let first = Result(catching: { try await BackupRunner(settings: settings, store: store).run() })
        async let second = Result(catching: { try await BackupRunner(settings: settings, store: store).run() })
        let results = await [first, second]
        let succeeded = results.filter { if case .success = $0 { true } else { false } }
        let locked = results.filter { if case .failure(let error as BackupError) = $0 { error.kind == .locked } else { false } }
        // Either they interleave (one refused) or the first finished before the second began (both succeed);
        // never two runs inside the lock at once, and never a failure of another kind.
        #expect(succeeded.count + locked.count == 2)
        #expect(succeeded.count >= 1)
        #expect(try await BackupCatalog(store: store, project: "shop").entries().count == succeeded.count)
    }

    @Test("a lock left by a process that no longer runs on this host is taken over")
    func staleLockTakenOver() async throws {
        let directory = try TemporaryDirectory(prefix: "lockstale")
        defer { directory.remove() }
        let settings = try Self.settings(directory)
        let store = try settings.makeStore()
        // A pid that exited: a child we started and reaped.
        let child = try SpawnedProcess(["true"])
        child.wait()
        let dead = BackupLock.Owner(
            host: ProcessInfo.processInfo.hostName, pid: child.pid, operation: "backup run", acquiredAt: Date(),
            expiresAt: Date().addingTimeInterval(3600), token: "dead")
        try await store.put(key: "shop/lock.json", bytes: Array(try BackupManifest.encoder().encode(dead)))
        _ = try await BackupRunner(settings: settings, store: store).run()

        // A live holder on another host is respected until it expires...
        var remote = dead
        remote.host = "elsewhere.example"
        try await store.put(key: "shop/lock.json", bytes: Array(try BackupManifest.encoder().encode(remote)))
        let error = await #expect(throws: BackupError.self) { _ = try await BackupRunner(settings: settings, store: store).run() }
        #expect(error?.userMessage.contains("elsewhere.example") == true)
        // ...and taken over once expired.
        remote.expiresAt = Date().addingTimeInterval(-1)
        try await store.put(key: "shop/lock.json", bytes: Array(try BackupManifest.encoder().encode(remote)))
        _ = try await BackupRunner(settings: settings, store: store).run()
        #expect(try await BackupCatalog(store: store, project: "shop").entries().count == 2)
    }
}

extension BackupLockTests {
    @Test("four takers racing for one stale lock, again and again: never two inside the lock at once")
    func staleLockRace() async throws {
        let directory = try TemporaryDirectory(prefix: "lockstalerace")
        defer { directory.remove() }
        try await Self.race(store: DirectoryStore(root: "\(directory.path)/store"), rounds: 40)
    }

    @Test("the same race on S3 (conditional creates against moto): never two inside the lock at once")
    func staleLockRaceOnS3() async throws {
        try await S3StoreTests.withS3 { _, environment in
            try await Self.race(store: try S3Store(url: "s3://\(S3StoreTests.bucket)/locks", environment: environment), rounds: 8)
        }
    }

    /// `rounds` times: a dead pid's lock, then four concurrent operations; each either holds the lock (alone) or
    /// is refused as locked, and nothing is left behind.
    static func race(store: any BackupStore, rounds: Int) async throws {
        let child = try SpawnedProcess(["true"])
        child.wait()
        let dead = BackupLock.Owner(
            host: ProcessInfo.processInfo.hostName, pid: child.pid, operation: "backup run", acquiredAt: Date(),
            expiresAt: Date().addingTimeInterval(3600), token: "dead")
        let inside = InsideCount()
        for _ in 0..<rounds {
            try await store.put(key: "shop/lock.json", bytes: Array(try BackupManifest.encoder().encode(dead)))
            let outcomes = await withTaskGroup(of: Result<Void, any Error>.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        await Result(catching: {
                            try await BackupLock(store: store, project: "shop").withLock(operation: "backup run") {
                                inside.enter()
                                try await Task.sleep(for: .milliseconds(30))
                                inside.leave()
                            }
                        })
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            let held = outcomes.filter { if case .success = $0 { true } else { false } }.count
            let refused = outcomes.filter { if case .failure(let error as BackupError) = $0 { error.kind == .locked } else { false } }
            #expect(held >= 1 && held + refused.count == 4, "\(outcomes)")
        }
        #expect(inside.most == 1, "two operations held the lock at once")
        // Every holder released its own lock, and no takeover marker is left behind.
        #expect(try await store.list(prefix: "shop/").isEmpty)
    }
}

/// How many operations are inside the lock now, and the most there ever were at once.
final class InsideCount: Sendable {
    private let counts = Mutex((now: 0, most: 0))

    func enter() { counts.withLock { $0.now += 1; $0.most = max($0.most, $0.now) } }
    func leave() { counts.withLock { $0.now -= 1 } }
    var most: Int { counts.withLock { $0.most } }
}

extension Result where Failure == any Error {
    /// Captures an async throwing call's outcome.
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
