import Foundation
import ShipshapeCore

/// Everything a backup operation needs, resolved from `shipshape.yml`.
public struct BackupSettings: Sendable {
    /// The compose project; backups live under `<store>/<project>/`.
    public var project: String
    /// The `backup:` section.
    public var configuration: BackupConfiguration
    /// The directory relative paths are resolved against.
    public var baseDirectory: String
    /// An age identity file for decryption (X25519 recipients); from `--identity` or `encryption.identity_file`.
    public var identityFile: String?
    /// Where `DOCKER_HOST` (and TLS settings) for `service:` sources are read; the process environment.
    public var dockerEnvironment: [String: String] = ProcessInfo.processInfo.environment

    /// Settings for `project`.
    public init(project: String, configuration: BackupConfiguration, baseDirectory: String, identityFile: String? = nil) {
        self.project = project
        self.configuration = configuration
        self.baseDirectory = baseDirectory
        self.identityFile = identityFile ?? configuration.identityFile
    }

    /// Settings from a loaded configuration; fails when it has no `backup:` section.
    public init(_ configuration: ShipshapeConfiguration, identityFile: String? = nil) throws(BackupError) {
        guard let backup = configuration.backup else {
            throw BackupError(
                .configuration, "\(configuration.file) has no backup: section",
                hint: "Add backup: with store, encryption and sources (see docs/backup.md).")
        }
        self.init(
            project: configuration.project, configuration: backup, baseDirectory: configuration.baseDirectory,
            identityFile: identityFile)
    }

    /// `path` resolved against the config file's directory.
    public func resolve(_ path: String) -> String {
        path.hasPrefix("/") ? path : "\(baseDirectory)/\(path)"
    }

    /// Who backups are encrypted for.
    public func recipients() throws(BackupError) -> [any AgeRecipient] {
        switch configuration.encryption {
        case .recipients(let list):
            var recipients: [any AgeRecipient] = []
            for text in list { recipients.append(try X25519Recipient(text)) }
            return recipients
        case .passphraseFile(let file):
            return [ScryptRecipient(passphrase: try SecretFile.read(resolve(file), what: "backup passphrase"))]
        }
    }

    /// Who can decrypt: the passphrase, or the identity file's keys.
    public func identities() throws(BackupError) -> [any AgeIdentity] {
        switch configuration.encryption {
        case .passphraseFile(let file):
            return [ScryptRecipient(passphrase: try SecretFile.read(resolve(file), what: "backup passphrase"))]
        case .recipients:
            guard let identityFile else {
                throw BackupError(
                    .configuration, "Decrypting needs the age identity (secret key) of a configured recipient",
                    hint: "Pass --identity KEYFILE or set backup.encryption.identity_file.")
            }
            let path = resolve(identityFile)
            guard let contents = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw BackupError(
                    .configuration, "Cannot read the age identity file \(path)",
                    hint: "Check the path; it is the file written by `age-keygen`.")
            }
            return try X25519Identity.parseFile(contents)
        }
    }

    /// The configured store.
    public func makeStore() throws(BackupError) -> any BackupStore {
        let store = configuration.store
        if store.hasPrefix("s3://") { return try S3Store(url: store, environment: ProcessInfo.processInfo.environment) }
        return DirectoryStore(root: resolve(store))
    }
}
