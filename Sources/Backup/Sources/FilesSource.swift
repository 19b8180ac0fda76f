import Foundation
import ShipshapeCore

/// Files and directories, archived with tar (modes, owners and timestamps preserved, numeric ids).
///
/// An entry `SERVICE:/absolute/path` names a path inside a compose service's container (a volume's mount
/// point): it is archived by `tar` run in that container. Other entries are host paths relative to the
/// config file's directory.
public struct FilesSource: Sendable {
    /// tar's block size: every member takes whole blocks, plus a header block.
    static let tarBlock = 512
    /// GNU tar pads the archive to a record of 20 blocks.
    static let tarRecord = 20 * 512

    /// Paths relative to `baseDirectory`.
    public let paths: [String]
    /// The directory the paths are relative to (the config file's).
    public let baseDirectory: String

    /// A files source.
    public init(paths: [String], baseDirectory: String) {
        self.paths = paths
        self.baseDirectory = baseDirectory
    }

    /// Splits `SERVICE:/path` entries from host paths; returns the host paths and, per service, its paths.
    public static func split(_ entries: [String]) -> (host: [String], services: [(service: String, paths: [String])]) {
        var host: [String] = []
        var services: [(service: String, paths: [String])] = []
        for entry in entries {
            guard let (service, path) = BackupConfiguration.containerPath(entry) else {
                host.append(entry)
                continue
            }
            if let index = services.firstIndex(where: { $0.service == service }) {
                services[index].paths.append(path)
            } else {
                services.append((service, [path]))
            }
        }
        return (host, services)
    }

    /// GNU tar's exit status when a file changed while it was read (it is archived as read): a live uploads
    /// directory must not fail scheduled backups at random. Status 2 (fatal) still fails the run.
    static let fileChangedStatus: Int32 = 1

    /// The tar stream part of the host paths.
    public func part(name: String) -> BackupPart {
        let source = self
        var command = DumpCommand("tar", ["--create", "--file=-", "--numeric-owner", "--directory=\(baseDirectory)", "--"] + paths)
        command.warningExitStatuses = [Self.fileChangedStatus]
        return BackupPart(
            name: name, kind: "files",
            command: command,
            origin: paths.joined(separator: ","), expectedSize: { source.archiveSize() }, expectedSizeIsExact: true)
    }

    /// The tar stream of `paths` inside `service`'s container. Short options only: the image's tar may be
    /// busybox's. Paths are archived relative to `/`.
    static func containerPart(name: String, service: String, paths: [String], runner: any DumpCommandRunner) -> BackupPart {
        BackupPart(
            name: name, kind: "files",
            command: DumpCommand("tar", ["-c", "-f", "-", "-C", "/"] + paths.map { "." + $0 }),
            origin: "service \(service): " + paths.joined(separator: ","), runner: runner,
            expectedSize: { try await diskUsage(of: paths, runner: runner) })
    }

    /// The space `paths` take inside the container (`du -sk`, which busybox has too): close to the tar's size.
    static func diskUsage(of paths: [String], runner: any DumpCommandRunner) async throws -> Int? {
        let output = try await runner.capture(DumpCommand("du", ["-s", "-k", "--"] + paths))
        let kilobytes = output.split(whereSeparator: \.isNewline).compactMap { line in
            line.split(whereSeparator: \.isWhitespace).first.flatMap { Int($0) }
        }
        return kilobytes.isEmpty ? nil : kilobytes.reduce(0, +) * 1024
    }

    /// What tar will write for the host paths: a header block per entry, file contents in whole blocks,
    /// padded to a record. Exact for plain files and directories (long names add a block or two).
    func archiveSize() -> Int? {
        let manager = FileManager.default
        var total = 0
        func add(_ path: String) {
            guard let attributes = try? manager.attributesOfItem(atPath: path) else { return }
            total += Self.tarBlock
            if attributes[.type] as? FileAttributeType == .typeRegular, let size = attributes[.size] as? Int {
                total += (size + Self.tarBlock - 1) / Self.tarBlock * Self.tarBlock
            }
        }
        for path in paths {
            let full = path.hasPrefix("/") ? path : "\(baseDirectory)/\(path)"
            add(full)
            guard let walker = manager.enumerator(atPath: full) else { continue }
            for case let child as String in walker { add("\(full)/\(child)") }
        }
        // The end-of-archive marker is two zero blocks.
        total += 2 * Self.tarBlock
        return (total + Self.tarRecord - 1) / Self.tarRecord * Self.tarRecord
    }

    /// The extraction command for `restore`, preserving modes and owners.
    static func extractCommand(into directory: String) -> DumpCommand {
        DumpCommand("tar", ["--extract", "--file=-", "--preserve-permissions", "--same-owner", "--numeric-owner",
                            "--directory=\(directory)"])
    }
}
