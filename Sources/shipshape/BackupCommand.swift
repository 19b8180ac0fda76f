import ArgumentParser
import Backup
import Foundation
import Logging
import ShipshapeCore

extension ShipshapeCommand {
    /// `shipshape backup …`: encrypted, verified backups with retention.
    struct Backup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "backup",
            abstract: "Encrypted, verified backups with retention.",
            subcommands: [Run.self, List.self, Restore.self, Verify.self, Prune.self]
        )
    }
}

/// Options every backup subcommand shares.
struct BackupOptions: ParsableArguments {
    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print the result as JSON.") var json = false

    /// Routes the process's logs to standard error as JSON lines (standard output carries the command's
    /// result), at `SHIPSHAPE_LOG_LEVEL` or else `warning`: failures and S3 retries, not a line per part.
    /// Then loads the backup settings.
    func prepare(identity: String? = nil) throws -> BackupSettings {
        let level = getenv(JSONLogHandler.levelVariable) == nil ? Logger.Level.warning : JSONLogHandler.levelFromEnvironment()
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level, sink: .standardError) }
        do {
            // Paths typed on the command line are relative to the current directory, not to the config file's.
            return try BackupSettings(global.loadConfiguration(), identityFile: identity.map(Self.fromCurrentDirectory))
        } catch let error as CLIError {
            throw error
        } catch {
            throw CLIError(error)
        }
    }

    /// `path` made absolute against the current directory (a command-line argument, unlike paths in shipshape.yml).
    static func fromCurrentDirectory(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }

    /// Prints `value` as one JSON document.
    func printJSON(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}

/// The identity option of the subcommands that decrypt (verify, restore); `run`, `list` and `prune` never do.
struct IdentityOption: ParsableArguments {
    @Option(help: "An age identity file to decrypt with (overrides backup.encryption.identity_file).")
    var identity: String?
}

/// Runs `body`, turning library errors into the one-paragraph CLI form.
func withCLIErrors<T>(_ body: () async throws -> T) async throws -> T {
    do { return try await body() } catch let error as CLIError { throw error } catch { throw CLIError(error) }
}

extension ShipshapeCommand.Backup {
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Back up every source now.")
        @OptionGroup var options: BackupOptions

        func run() async throws {
            let settings = try options.prepare()
            let json = options.json
            let printer = json ? nil : BackupProgressPrinter(terminal: isatty(STDOUT_FILENO) == 1)
            let manifest = try await withCLIErrors {
                try await BackupRunner(settings: settings, store: try settings.makeStore()).run { progress in
                    printer?.report(progress)
                }
            }
            if json {
                try options.printJSON(manifest)
            } else {
                let size = manifest.parts.reduce(0) { $0 + $1.size }
                print("backup \(manifest.id): \(manifest.parts.count) files, \(ByteFormat.string(size)) in \(settings.configuration.store)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List complete backups, newest first.")
        @OptionGroup var options: BackupOptions

        struct Row: Encodable {
            var id: String
            var createdAt: Date?
            var size: Int
            var sources: [String]
            var verified: Bool?
            /// Why the backup cannot be used, for a damaged manifest.
            var damaged: String?

            enum CodingKeys: String, CodingKey { case id, createdAt, size, sources, verified, damaged }

            /// Every key is always there: `verified` is null when no verification ran, not absent.
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(id, forKey: .id)
                try container.encode(createdAt, forKey: .createdAt)
                try container.encode(size, forKey: .size)
                try container.encode(sources, forKey: .sources)
                try container.encode(verified, forKey: .verified)
                try container.encode(damaged, forKey: .damaged)
            }
        }

        func run() async throws {
            let settings = try options.prepare()
            let (entries, damaged) = try await withCLIErrors {
                try await BackupCatalog(store: try settings.makeStore(), project: settings.project).listing()
            }
            let logger = Logger(label: "shipshape.backup")
            for backup in damaged {
                logger.warning("backup skipped: its manifest is damaged", metadata: ["backup_id": "\(backup.id)", "error": "\(backup.problem)"])
            }
            var rows = entries.map {
                Row(id: $0.manifest.id, createdAt: $0.manifest.createdAt, size: $0.size, sources: $0.manifest.parts.map(\.name),
                    verified: $0.verification?.passed)
            }
            rows += damaged.map { Row(id: $0.id, createdAt: nil, size: 0, sources: [], verified: nil, damaged: $0.problem) }
            if options.json { return try options.printJSON(rows) }
            if entries.isEmpty { print("no complete backups in \(settings.configuration.store)") }
            func padded(_ text: String, _ width: Int) -> String { text + String(repeating: " ", count: max(0, width - text.count)) }
            for row in rows {
                if let problem = row.damaged {
                    print("\(row.id)  DAMAGED: \(problem)")
                    continue
                }
                let age = row.createdAt.map { ElapsedText.describe(Date().timeIntervalSince($0)) + " ago" } ?? ""
                let verified = row.verified.map { $0 ? "verified" : "VERIFY FAILED" } ?? "not verified"
                let size = ByteFormat.string(row.size)
                print("\(row.id)  \(padded(age, 12))  \(padded(size, 9))  \(padded(verified, 13))  \(row.sources.joined(separator: ","))")
            }
        }
    }

    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Decrypt a backup's files into a directory, or a PostgreSQL dump into a new database.")
        @OptionGroup var options: BackupOptions
        @Argument(help: "The backup id (from `backup list`).") var id: String
        @Option(help: "Only this source (e.g. postgres-shop, redis, files).") var source: String?
        @Option(help: "The directory to restore into.") var to: String = "restore"
        @Option(help: "Restore the PostgreSQL dump into this new database on the configured server.") var database: String?
        @Flag(help: "With --database: the restoring user owns every object (the dump's roles do not exist on this server).")
        var noOwner = false
        @OptionGroup var decryption: IdentityOption

        func run() async throws {
            let settings = try options.prepare(identity: decryption.identity)
            let restored = try await withCLIErrors {
                var restorer = BackupRestorer(settings: settings, store: try settings.makeStore())
                restorer.keepsOwners = !noOwner
                return try await restorer.restore(id: id, source: source, to: BackupOptions.fromCurrentDirectory(to), database: database)
            }
            if options.json { return try options.printJSON(restored.map { ["part": $0.part, "destination": $0.destination] }) }
            for item in restored { print("\(item.part) → \(item.destination)") }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check a backup (the newest by default) end to end.")
        @OptionGroup var options: BackupOptions
        @Argument(help: "The backup id; the newest when omitted.") var id: String?
        @OptionGroup var decryption: IdentityOption

        func run() async throws {
            let settings = try options.prepare(identity: decryption.identity)
            let result = try await withCLIErrors {
                try await BackupVerifier(settings: settings, store: try settings.makeStore()).verify(id: id)
            }
            if options.json {
                try options.printJSON(result)
            } else {
                for check in result.checks { print("\(check.passed ? "ok  " : "FAIL") \(check.name)\(check.detail.map { ": \($0)" } ?? "")") }
                print("backup \(result.id): \(result.passed ? "verified" : "verification FAILED")")
            }
            if !result.passed { throw ExitCode.failure }
        }
    }

    struct Prune: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete backups the retention policy no longer keeps.")
        @OptionGroup var options: BackupOptions
        @Flag(help: "Show what would be deleted without deleting.") var dryRun = false

        func run() async throws {
            let settings = try options.prepare()
            let plan = try await withCLIErrors {
                try await BackupPruner(
                    store: try settings.makeStore(), project: settings.project,
                    policy: RetentionPolicy(settings.configuration.retention)
                ).prune(dryRun: dryRun)
            }
            if options.json {
                struct Output: Encodable { var keep: [String]; var remove: [String]; var dryRun: Bool }
                return try options.printJSON(Output(keep: plan.keep.map(\.id), remove: plan.remove, dryRun: dryRun))
            }
            for item in plan.keep { print("keep   \(item.id)  (\(item.reasons.joined(separator: ", ")))") }
            for id in plan.remove { print("\(dryRun ? "would remove" : "remove") \(id)") }
        }
    }
}

/// Human-readable byte counts.
enum ByteFormat {
    static func string(_ bytes: Int) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
    }
}
