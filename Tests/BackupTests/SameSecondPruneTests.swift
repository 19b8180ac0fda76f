import Foundation
import ShipshapeCore
import Testing
import TestSupport

@testable import Backup

/// Backups made within one second (manifests record whole seconds) are still distinct backups.
@Suite("prune with backups made in the same second")
struct SameSecondPruneTests {
    @Test("six backups in one second, last: 1: prune keeps exactly the newest listed one and removes the other five")
    func sixInOneSecond() async throws {
        let directory = try TemporaryDirectory(prefix: "samesecond")
        defer { directory.remove() }
        try directory.write("data/a.txt", "hello")
        let settings = BackupSettings(
            project: "shop",
            configuration: BackupConfiguration(
                store: "store", encryption: .recipients([X25519Identity.generate().recipient.description]),
                retention: .init(last: 1), sources: [.files(["data"])]),
            baseDirectory: directory.path)
        let store = try settings.makeStore()
        let now = Date(timeIntervalSince1970: 1_795_000_000)
        for _ in 0..<6 { _ = try await BackupRunner(settings: settings, store: store).run(now: now) }
        let listed = try await BackupCatalog(store: store, project: "shop").entries().map(\.manifest.id)
        #expect(listed.count == 6)
        // One order everywhere: the list's order is stable from call to call.
        #expect(try await BackupCatalog(store: store, project: "shop").entries().map(\.manifest.id) == listed)

        let pruner = BackupPruner(store: store, project: "shop", policy: RetentionPolicy(last: 1))
        let dryRun = try await pruner.prune(dryRun: true)
        #expect(dryRun.keep.map(\.id) == [listed[0]])
        #expect(dryRun.remove == Array(listed.dropFirst()))
        let plan = try await pruner.prune(dryRun: false)
        #expect(plan.keep.map(\.id) == [listed[0]])
        #expect(Set(plan.keep.map(\.id)).isDisjoint(with: plan.remove))
        #expect(try await BackupCatalog(store: store, project: "shop").entries().map(\.manifest.id) == [listed[0]])
    }

    @Test("the policy counts equal times as separate backups, ordered by id")
    func equalTimes() {
        let time = Date(timeIntervalSince1970: 1_795_000_000)
        let result = RetentionPolicy(last: 2).apply(to: ["a", "c", "b"].map { (id: $0, time: time) })
        #expect(result.keep.map(\.id) == ["c", "b"])
        #expect(result.remove == ["a"])
    }
}
