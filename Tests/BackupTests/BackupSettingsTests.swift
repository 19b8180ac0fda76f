import Foundation
import ShipshapeCore
import Testing
import TestSupport

@testable import Backup

@Suite("backup settings from shipshape.yml")
struct BackupSettingsTests {
    static let yaml = """
        project: shop
        backup:
          schedule: "0 2 * * *"
          store: s3://bucket/prefix
          encryption: { recipients: [RECIPIENT], identity_file: secrets/backup.key }
          retention: { daily: 7, weekly: 4, monthly: 12 }
          sources:
            - postgres: { service: postgres, databases: [shop], user: app_user, password_file: secrets/db_password.txt }
            - redis: { host: 127.0.0.1 }
            - files: [media/, config/]
          verify: { schedule: "0 4 * * 0", checks: ["SELECT count(*) > 0 FROM users"] }
        """

    @Test("the DESIGN.md example loads, with identity_file and the S3 store")
    func designExample() throws {
        let recipient = X25519Identity.generate().recipient.description
        let configuration = try ShipshapeConfiguration.parse(
            yaml: Self.yaml.replacingOccurrences(of: "RECIPIENT", with: recipient), file: "shipshape.yml", baseDirectory: "/srv/shop")
        let settings = try BackupSettings(configuration)
        #expect(settings.identityFile == "secrets/backup.key")
        #expect(settings.resolve("secrets/backup.key") == "/srv/shop/secrets/backup.key")
        #expect(RetentionPolicy(settings.configuration.retention) == RetentionPolicy(daily: 7, weekly: 4, monthly: 12))
        #expect(try settings.recipients().count == 1)
        let store = try BackupStoreFactoryCheck.s3(settings)
        #expect(store.location == "s3://bucket/prefix")
    }

    @Test("an empty passphrase or password file (just a newline) is refused, by the run and by config check")
    func emptySecretFiles() throws {
        let directory = try TemporaryDirectory(prefix: "emptysecret")
        defer { directory.remove() }
        try directory.write("pass.txt", "\n")
        try directory.write("db.txt", "")
        let yaml = """
            project: shop
            backup:
              store: store
              encryption: { passphrase_file: pass.txt }
              sources:
                - postgres: { host: 127.0.0.1, password_file: db.txt }
            """
        let configuration = try ShipshapeConfiguration.parse(yaml: yaml, file: "\(directory.path)/shipshape.yml", baseDirectory: directory.path)
        let settings = try BackupSettings(configuration)
        let error = #expect(throws: BackupError.self) { _ = try settings.recipients() }
        #expect(error?.userMessage.hasPrefix("The backup passphrase file \(directory.path)/pass.txt is empty") == true, "\(String(describing: error))")
        #expect(throws: BackupError.self) { _ = try settings.identities() }
        guard case .postgres(let postgres) = settings.configuration.sources[0] else { throw TestSupportError(message: "no postgres source") }
        let passwordError = #expect(throws: BackupError.self) {
            _ = try PostgresSource(postgres, resolve: settings.resolve, runner: LocalProcessRunner())
        }
        #expect(passwordError?.userMessage.contains("PostgreSQL password file") == true)
        let problems = configuration.unreadableFiles(text: yaml)
        #expect(problems.map(\.keyPath) == ["backup.encryption.passphrase_file", "backup.sources[0].postgres.password_file"])
        #expect(problems.allSatisfy { $0.message.contains("is empty") }, "\(problems)")
        // A passphrase that is there is accepted.
        try directory.write("pass.txt", "correct horse\n")
        #expect(try settings.recipients().count == 1)
    }

    @Test("a service: source with no reachable Docker Engine fails the run naming DOCKER_HOST, and nothing is stored")
    func serviceSourceWithoutEngine() async throws {
        let directory = try TemporaryDirectory(prefix: "noengine")
        defer { directory.remove() }
        var settings = BackupSettings(
            project: "shop",
            configuration: BackupConfiguration(
                store: "store", encryption: .recipients([X25519Identity.generate().recipient.description]),
                retention: .init(daily: 1), sources: [.postgres(.init(service: "postgres", user: "postgres"))]),
            baseDirectory: directory.path)
        settings.dockerEnvironment = ["DOCKER_HOST": "unix://\(directory.path)/no-engine.sock"]
        let store = try settings.makeStore()
        let error = await #expect(throws: BackupError.self) { _ = try await BackupRunner(settings: settings, store: store).run() }
        #expect(error?.userMessage.contains("DOCKER_HOST") == true, "\(String(describing: error))")
        #expect(try await store.list(prefix: "shop/").isEmpty)
    }

    @Test("files entries SERVICE:/path go to that service's container; other entries stay host paths")
    func filesSplit() {
        let (host, services) = FilesSource.split(["media/", "uploads:/var/www/media", "config", "uploads:/etc/app", "db:/data", "a:b"])
        #expect(host == ["media/", "config", "a:b"])
        #expect(services.map(\.service) == ["uploads", "db"])
        #expect(services.first?.paths == ["/var/www/media", "/etc/app"])
    }

    @Test("a files source predicts the exact size of the tar stream it writes")
    func tarSizeEstimate() async throws {
        let directory = try TemporaryDirectory(prefix: "tarsize")
        defer { directory.remove() }
        try directory.write("app/a.txt", "hello")
        try directory.write("app/deep/b.bin", String(repeating: "x", count: 100_000))
        try directory.write("app/deep/c.bin", String(repeating: "y", count: 512))
        let source = FilesSource(paths: ["app"], baseDirectory: directory.path)
        let sink = DiscardingSink()
        try await LocalProcessRunner().stream(source.part(name: "files").command, into: sink)
        #expect(source.archiveSize() == sink.byteCount)
    }

    @Test("progress computes percent, rate and time left from an estimate, and never shows 100% early")
    func progressEstimate() {
        let halfway = BackupRunner.Progress(part: "files", bytes: 50 << 20, elapsed: 5, done: false, expected: 100 << 20)
        #expect(halfway.percent == 50)
        #expect(halfway.rate == Double(10 << 20))
        #expect(halfway.secondsRemaining == 5)
        let beyond = BackupRunner.Progress(part: "db", bytes: 120 << 20, elapsed: 5, done: false, expected: 100 << 20)
        #expect(beyond.percent == 99)
        #expect(beyond.secondsRemaining == 0)
        #expect(BackupRunner.Progress(part: "redis", bytes: 1, elapsed: 1, done: false).secondsRemaining == nil)
    }

    @Test("a missing password file fails before anything is dumped")
    func missingPasswordFile() {
        let error = #expect(throws: BackupError.self) {
            _ = try RedisSource(.init(host: "127.0.0.1", passwordFile: "/nonexistent/pw"), resolve: { $0 })
        }
        #expect(error?.userMessage.contains("/nonexistent/pw") == true)
    }
}

enum BackupStoreFactoryCheck {
    static func s3(_ settings: BackupSettings) throws -> S3Store {
        try S3Store(url: settings.configuration.store, environment: ["AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b"])
    }
}
