import Foundation
import ShipshapeCore
import Testing
import TestSupport

@testable import Backup

/// What a user reads when a dump tool fails: a short command, the tool's own reason first, a hint for that tool.
@Suite("dump tool errors", .serialized)
struct CommandErrorTests {
    @Test("a wrong PostgreSQL password: the message names psql briefly, gives the server's reason first, no SQL, no secret")
    func wrongPassword() async throws {
        let fixture = try await BackupEndToEndTests.Fixture()
        defer { fixture.stop() }
        // Passwords are checked for the role `app` (the test server otherwise trusts every local connection).
        try await fixture.psql("CREATE ROLE app LOGIN PASSWORD 'right-secret'; GRANT ALL ON DATABASE shop TO app", database: "postgres")
        let hba = "\(fixture.postgres.location)/data/pg_hba.conf"
        let rules = try String(contentsOfFile: hba, encoding: .utf8)
        try ("host all app 127.0.0.1/32 scram-sha-256\n" + rules).write(toFile: hba, atomically: false, encoding: .utf8)
        try await fixture.psql("SELECT pg_reload_conf()", database: "postgres")
        try fixture.directory.write("db_password.txt", "wrong-secret\n")
        var settings = fixture.settings(store: "store")
        settings.configuration.sources = [
            .postgres(.init(host: "127.0.0.1", port: fixture.postgres.port, databases: ["shop"], user: "app", passwordFile: "db_password.txt"))
        ]
        let error = await #expect(throws: BackupError.self) {
            _ = try await BackupRunner(settings: settings, store: try settings.makeStore()).run()
        }
        let message = error?.userMessage ?? ""
        #expect(message.hasPrefix("`psql -X -v ON_ERROR_STOP=1 -At …` failed: "), "\(message)")
        let reason = try #require(message.range(of: "password authentication failed for user \"app\""), "\(message)")
        // The cause comes before how the tool ended, and no SQL body or secret is quoted.
        #expect(message.range(of: "exited with status").map { reason.lowerBound < $0.lowerBound } == true, "\(message)")
        for leak in ["BEGIN", "pg_export_snapshot", "FOR i IN", "wrong-secret", "right-secret"] {
            #expect(!message.contains(leak), "\(leak) in \(message)")
        }
        #expect(message.contains("user and password_file are right"), "\(message)")
        #expect(message.count < 600, "\(message)")
    }

    @Test("short command forms and hints fit the tool")
    func displayedAndHints() {
        let psql = DumpCommand("psql", ["-X", "-v", "ON_ERROR_STOP=1", "-At", "-c", "SELECT 1"])
        #expect(psql.displayed == "psql -X -v ON_ERROR_STOP=1 -At …")
        #expect(DumpCommand("pg_dump", ["-Fc", "--no-password"]).displayed == "pg_dump -Fc --no-password")
        let tar = FilesSource(paths: ["data"], baseDirectory: "/srv/a-rather-long-directory-name/of-a-project").part(name: "files").command
        #expect(tar.displayed == "tar --create --file=- --numeric-owner …")
        #expect(tar.failureHint.contains("paths exist"))
        #expect(FilesSource.extractCommand(into: "/tmp/x").failureHint.contains("restore directory is writable"))
        #expect(DumpCommand("pg_restore", ["--exit-on-error"]).failureHint.hasPrefix("pg_restore stops at its first error"))
        #expect(!DumpCommand("pg_restore", []).failureHint.contains("credentials"))
    }
}
