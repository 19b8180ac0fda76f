import Foundation

/// Writes secret files so that no other user can read them at any moment.
enum SecretFile {
    /// Creates `path` with mode 0600 from the first byte (open with O_EXCL and the mode, not chmod after),
    /// creating its directory with mode 0700.
    static func create(_ path: String, contents: String) throws(AuditError) {
        let directory = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(
                atPath: directory.isEmpty ? "." : directory, withIntermediateDirectories: true,
                attributes: [.posixPermissions: SecretGenerator.directoryMode])
        } catch {
            throw AuditError.cannotWrite(path: directory, reason: error.localizedDescription)
        }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode_t(SecretGenerator.fileMode))
        guard descriptor >= 0 else {
            throw AuditError.cannotWrite(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        // The umask could only have narrowed the mode; set it exactly anyway.
        _ = fchmod(descriptor, mode_t(SecretGenerator.fileMode))
        let bytes = Array(contents.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard written > 0 else { throw AuditError.cannotWrite(path: path, reason: String(cString: strerror(errno))) }
            offset += written
        }
    }
}
