import Foundation

/// A store in a local directory; each object is written to a hidden temporary file and renamed into place.
public struct DirectoryStore: BackupStore {
    /// The directory holding the objects.
    public let root: String
    static let readChunkSize = 1 << 20
    static let partialSuffix = ".partial"

    /// A store rooted at `root` (created when missing).
    public init(root: String) {
        self.root = root.hasSuffix("/") && root.count > 1 ? String(root.dropLast()) : root
    }

    public var location: String { root }

    func path(_ key: String) -> String { "\(root)/\(key)" }

    public func makeWriter(key: String) async throws -> any ObjectWriter {
        let final = path(key)
        let partial = final + Self.partialSuffix
        try Self.makeDirectory((final as NSString).deletingLastPathComponent)
        guard FileManager.default.createFile(atPath: partial, contents: nil, attributes: [.posixPermissions: 0o600]),
            let handle = FileHandle(forWritingAtPath: partial)
        else {
            throw BackupError(
                .store, "Cannot create \(partial)", hint: "Check that the backup directory exists and is writable.")
        }
        return FileObjectWriter(handle: handle, partialPath: partial, finalPath: final)
    }

    public func read(key: String, into sink: any ByteSink) async throws {
        guard let handle = FileHandle(forReadingAtPath: path(key)) else {
            throw BackupError(
                .notFound, "The object \(path(key)) does not exist",
                hint: "Run `shipshape backup list` to see the backups that exist.")
        }
        defer { try? handle.close() }
        while true {
            let data: Data?
            do { data = try handle.read(upToCount: Self.readChunkSize) } catch { throw Self.error("read \(path(key))", error) }
            guard let data, !data.isEmpty else { return }
            try await sink.write([UInt8](data)[...])
        }
    }

    public func list(prefix: String) async throws -> [StoredObject] {
        let base = path(prefix)
        var isDirectory: ObjCBool = false
        // A store that is a file is a mistake to report, not an empty store.
        for directory in [root, base] where FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw BackupError(
                    .store, "The backup store path \(directory) is a file, not a directory",
                    hint: "Point backup.store at a directory (it is created when missing), or move the file away.")
            }
        }
        guard FileManager.default.fileExists(atPath: base, isDirectory: &isDirectory), isDirectory.boolValue else { return [] }
        var objects: [StoredObject] = []
        let separator = prefix.isEmpty || prefix.hasSuffix("/") ? "" : "/"
        Self.walk(base, relative: "") { relative, size in objects.append(StoredObject(key: prefix + separator + relative, size: size)) }
        return objects
    }

    /// Calls `found` with the path (relative to `base`) and size of every regular file below `directory`,
    /// symbolic links not followed. One `lstat` per entry: FileManager's attributes also look up each file's
    /// owner and group by name, reading `/etc/passwd` and `/etc/group` for every file of every backup.
    private static func walk(_ directory: String, relative: String, _ found: (String, Int) -> Void) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for name in names.sorted() {
            let path = directory + "/" + name
            let key = relative.isEmpty ? name : relative + "/" + name
            var status = stat()
            guard lstat(path, &status) == 0 else { continue }
            switch status.st_mode & S_IFMT {
            case S_IFREG: found(key, Int(status.st_size))
            case S_IFDIR: walk(path, relative: key, found)
            default: continue
            }
        }
    }

    public func delete(keys: [String]) async throws {
        var directories = Set<String>()
        for key in keys {
            let file = path(key)
            do {
                if FileManager.default.fileExists(atPath: file) { try FileManager.default.removeItem(atPath: file) }
            } catch {
                throw Self.error("delete \(file)", error)
            }
            directories.insert((file as NSString).deletingLastPathComponent)
        }
        // Backup directories left empty go too, so the store does not fill with husks.
        for directory in directories where directory != root {
            if (try? FileManager.default.contentsOfDirectory(atPath: directory))?.isEmpty == true {
                try? FileManager.default.removeItem(atPath: directory)
            }
        }
    }

    /// `O_CREAT | O_EXCL`: the kernel guarantees one creator wins.
    public func createExclusively(key: String, bytes: [UInt8]) async throws -> Bool {
        let file = path(key)
        // The system's reason (a read-only file system, a file in the way), not the ENOENT that would follow.
        try Self.makeDirectory((file as NSString).deletingLastPathComponent)
        // Written whole under a name of its own, then linked to the key: link(2) fails if the key exists, and a
        // reader never sees the key empty. (Creating the key with O_EXCL and then writing it let a concurrent
        // reader find an empty lock, take it for a stale one and remove it from under its holder.)
        let partial = "\(file).\(UUID().uuidString)\(Self.partialSuffix)"
        let descriptor = open(partial, O_CREAT | O_EXCL | O_WRONLY, 0o600)
        guard descriptor >= 0 else {
            throw BackupError(.store, "Cannot create \(partial): \(String(cString: strerror(errno)))", hint: "Check that the backup directory is writable.")
        }
        defer { unlink(partial) }
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        let writeError = errno
        close(descriptor)
        guard written == bytes.count else {
            let reason = written < 0 ? String(cString: strerror(writeError)) : "short write"
            throw BackupError(.store, "Cannot write \(partial): \(reason)", hint: "Free disk space or fix permissions.")
        }
        guard link(partial, file) == 0 else {
            if errno == EEXIST { return false }
            throw BackupError(.store, "Cannot create \(file): \(String(cString: strerror(errno)))", hint: "Check that the backup directory is writable.")
        }
        return true
    }

    /// `mkdir -p` with the system's own reason on failure (Foundation's is vaguer: "The volume is read only").
    static func makeDirectory(_ path: String) throws(BackupError) {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            guard mkdir(current, 0o755) != 0 else { continue }
            let code = errno
            var status = stat()
            // Already there (mkdir says EEXIST even on a read-only file system): fine if it is a directory.
            if stat(current, &status) == 0 {
                if status.st_mode & S_IFMT == S_IFDIR { continue }
                throw BackupError(
                    .store, "The backup store path \(current) is a file, not a directory",
                    hint: "Point backup.store at a directory (it is created when missing), or move the file away.")
            }
            throw error("create the directory \(current)", NSError(domain: NSPOSIXErrorDomain, code: Int(code)))
        }
    }

    static func error(_ action: String, _ error: any Error) -> BackupError {
        let (detail, code) = describe(error)
        let hint: String
        switch code {
        case ENOSPC, EDQUOT:
            hint = "Free space on the disk holding the backup directory; what this run wrote was removed and existing backups were not changed."
        case EACCES, EPERM, EROFS:
            hint = "Check that the backup directory is writable by this user; existing backups were not changed."
        default:
            hint = "Check free space and permissions of the backup directory; existing backups were not changed."
        }
        return BackupError(.store, "Cannot \(action): \(detail)", hint: hint)
    }

    /// The system's words for a file error ("No space left on device") and its errno when there is one.
    /// Foundation wraps the errno in a Cocoa error whose own text is vaguer ("There isn't enough space.").
    static func describe(_ error: any Error) -> (String, Int32?) {
        let error = error as NSError
        let posix = error.domain == NSPOSIXErrorDomain ? error : error.userInfo[NSUnderlyingErrorKey] as? NSError
        if let posix, posix.domain == NSPOSIXErrorDomain, let code = Int32(exactly: posix.code) {
            return (String(cString: strerror(code)), code)
        }
        var text = error.localizedDescription
        while text.hasSuffix(".") { text.removeLast() }
        return (text, nil)
    }
}

/// Writes to `<key>.partial` and renames to the key on `finish`, so readers never see half a file.
final class FileObjectWriter: ObjectWriter {
    private let handle: FileHandle
    private let partialPath: String
    private let finalPath: String

    init(handle: FileHandle, partialPath: String, finalPath: String) {
        self.handle = handle
        self.partialPath = partialPath
        self.finalPath = finalPath
    }

    func write(_ bytes: ArraySlice<UInt8>) async throws {
        do {
            try bytes.withUnsafeBytes { try handle.write(contentsOf: $0) }
        } catch {
            throw DirectoryStore.error("write \(partialPath)", error)
        }
    }

    func finish() async throws {
        do {
            try handle.synchronize()
            try handle.close()
            if FileManager.default.fileExists(atPath: finalPath) { try FileManager.default.removeItem(atPath: finalPath) }
            try FileManager.default.moveItem(atPath: partialPath, toPath: finalPath)
            Self.synchronizeDirectory(of: finalPath)
        } catch {
            throw DirectoryStore.error("complete \(finalPath)", error)
        }
    }

    /// Makes the rename itself durable: without it a crash can undo the rename of a synced file.
    static func synchronizeDirectory(of path: String) {
        let descriptor = open((path as NSString).deletingLastPathComponent, O_RDONLY | O_DIRECTORY)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }

    func abort() async {
        try? handle.close()
        try? FileManager.default.removeItem(atPath: partialPath)
    }
}
