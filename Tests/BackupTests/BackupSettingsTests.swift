import Foundation
import ShipshapeCore
import Testing

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

    @Test("a service: source gives a clear error until the Docker Engine client exists")
    func serviceSource() throws {
        let error = #expect(throws: BackupError.self) {
            _ = try PostgresSource(.init(service: "postgres"), resolve: { $0 }, runner: LocalProcessRunner())
        }
        #expect(error?.kind == .configuration)
        #expect(error?.userMessage.contains("host:") == true)
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
