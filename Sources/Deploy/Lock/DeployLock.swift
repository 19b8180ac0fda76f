import Foundation
import Synchronization

/// An exclusive lock per project so two deploys cannot interleave. It is an `flock` on a lock file, so the
/// kernel releases it when the holder exits, even on a crash: a stale file never blocks the next deploy.
/// The holder writes its pid and start time into the file so a refused deploy can say who holds it.
public final class DeployLock: Sendable {
    /// The lock file's name inside Shipshape's state directory, per project.
    public static func fileName(project: String) -> String { "deploy-\(project).lock" }
    /// Permissions of a new lock file.
    static let fileMode: mode_t = 0o644
    /// The most of the lock file read to name its holder.
    static let maximumHolderText = 256

    /// The lock file's path.
    public let path: String
    /// The project the lock is for.
    public let project: String
    /// The open lock file while held; nil once released.
    private let descriptor: Mutex<Int32?>

    private init(path: String, project: String, descriptor: Int32) {
        self.path = path
        self.project = project
        self.descriptor = Mutex(descriptor)
    }

    /// Takes the lock at `path` without waiting; throws `DeployError` (kind `.locked`) naming the holder's
    /// pid when another deploy of `project` holds it. `detail` (e.g. `deploy api --image api:2`) is recorded
    /// for the next refused caller to read.
    public static func acquire(path: String, project: String, detail: String = "") throws(DeployError) -> DeployLock {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, fileMode)
        guard descriptor >= 0 else {
            throw DeployError(
                kind: .lockUnavailable,
                userMessage: """
                    Cannot open the deploy lock \(path) for project '\(project)': \(DeployHistory.errnoText()). \
                    Check that the directory exists and is writable by this user.
                    """)
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let reason = errno
            let holder = Self.holderText(descriptor)
            close(descriptor)
            guard reason == EWOULDBLOCK else {
                throw DeployError(
                    kind: .lockUnavailable,
                    userMessage: "Cannot lock \(path) for project '\(project)': \(String(cString: strerror(reason))).")
            }
            throw DeployError(
                kind: .locked,
                userMessage: """
                    Another deploy of project '\(project)' is running (\(holder.isEmpty ? "holder unknown" : holder)); \
                    lock file \(path). Wait for it to finish, or stop that process if it is stuck — the lock is \
                    released as soon as it exits.
                    """)
        }
        let note = "pid \(getpid()) since \(Date().formatted(.iso8601))\(detail.isEmpty ? "" : ": \(detail)")"
        // Only the holder writes, so truncating and rewriting cannot race with another writer.
        _ = ftruncate(descriptor, 0)
        _ = Array(note.utf8).withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        return DeployLock(path: path, project: project, descriptor: descriptor)
    }

    deinit {
        release()
    }

    /// Releases the lock (also done when the lock is deallocated or the process exits); releasing twice is
    /// harmless.
    public func release() {
        descriptor.withLock { held in
            guard let open = held else { return }
            _ = ftruncate(open, 0)
            flock(open, LOCK_UN)
            close(open)
            held = nil
        }
    }

    private static func holderText(_ descriptor: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: maximumHolderText)
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return "" }
        return String(decoding: buffer.prefix(count), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
