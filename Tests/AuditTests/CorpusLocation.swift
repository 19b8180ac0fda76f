import Foundation
import TestSupport

/// Paths of the audit test corpus.
enum Corpus {
    /// `Tests/AuditTests/Corpus`.
    static let root = ProcessRunner.packageRoot + "/Tests/AuditTests/Corpus"

    /// The rule corpus file for `rule`.
    static func rule(_ rule: String) -> String { root + "/rules/\(rule).yml" }

    /// The 1-based lines of `file` marked `#E`: where findings are expected.
    static func expectedLines(in file: String) throws -> Set<Int> {
        let text = try String(contentsOfFile: file, encoding: .utf8)
        var lines: Set<Int> = []
        for (offset, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where line.hasSuffix("#E") {
            lines.insert(offset + 1)
        }
        return lines
    }

    /// Copies a corpus project to a fresh temporary directory (harden writes next to the compose files).
    static func copyProject(_ name: String) throws -> TemporaryDirectory {
        let directory = try TemporaryDirectory(prefix: "audit-\(name)")
        let source = root + "/projects/\(name)"
        for item in try FileManager.default.contentsOfDirectory(atPath: source) {
            try FileManager.default.copyItem(atPath: source + "/" + item, toPath: directory.path + "/" + item)
        }
        return directory
    }
}
