/// Files and directories, archived with tar (modes, owners and timestamps preserved, numeric ids).
public struct FilesSource: Sendable {
    /// Paths relative to `baseDirectory`.
    public let paths: [String]
    /// The directory the paths are relative to (the config file's).
    public let baseDirectory: String

    /// A files source.
    public init(paths: [String], baseDirectory: String) {
        self.paths = paths
        self.baseDirectory = baseDirectory
    }

    /// The tar stream part.
    public func part(name: String) -> BackupPart {
        BackupPart(
            name: name, kind: "files",
            command: DumpCommand(
                "tar", ["--create", "--file=-", "--numeric-owner", "--directory=\(baseDirectory)", "--"] + paths),
            database: nil, origin: paths.joined(separator: ","), metadata: nil)
    }

    /// The extraction command for `restore`, preserving modes and owners.
    static func extractCommand(into directory: String) -> DumpCommand {
        DumpCommand("tar", ["--extract", "--file=-", "--preserve-permissions", "--same-owner", "--numeric-owner",
                            "--directory=\(directory)"])
    }
}
