#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `posix_spawn` file actions that give a child only the descriptors it is handed.
///
/// Without them a child inherits every descriptor this process has open that is not close-on-exec, and
/// SwiftNIO's sockets are not (it accepts with `accept4(SOCK_NONBLOCK)` only). A connection the gateway closes
/// then stays open, with no FIN sent, for as long as any child spawned meanwhile lives: a client that was cut
/// or answered with `Connection: close` waits for that child instead, and the child holds the peer's socket.
public enum SpawnFileActions {
    /// Runs `body` with file actions made by `configure` (opens and dups onto 0, 1 and 2), followed by one that
    /// closes every descriptor from 3 up in the child.
    public static func with<Result>(
        _ configure: (inout posix_spawn_file_actions_t) -> Void,
        _ body: (inout posix_spawn_file_actions_t) throws -> Result
    ) rethrows -> Result {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        configure(&actions)
        closeInherited(from: 3, in: &actions)
        return try body(&actions)
    }

    /// Adds actions closing descriptors `lowest` and up. The actions run in order in the child, so a descriptor
    /// dup'ed onto 0–2 by an earlier action has been copied by then. `closeFrom: false` takes the path of C
    /// libraries older than glibc 2.34 (for its test).
    static func closeInherited(from lowest: Int32, in actions: inout posix_spawn_file_actions_t, closeFrom: Bool = true) {
        #if os(Linux)
        // glibc 2.34 has `posix_spawn_file_actions_addclosefrom_np`, but Swift's Glibc module does not show it.
        typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        if closeFrom, let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") {
            let addCloseFrom = unsafeBitCast(symbol, to: AddCloseFrom.self)
            if addCloseFrom(&actions, lowest) == 0 { return }
        }
        // Older C libraries: one close per descriptor open now. glibc ignores a close of a descriptor that was
        // closed meanwhile; one opened meanwhile by another thread is still inherited.
        for descriptor in openDescriptors() where descriptor >= lowest {
            posix_spawn_file_actions_addclose(&actions, descriptor)
        }
        #endif
        // Elsewhere POSIX_SPAWN_CLOEXEC_DEFAULT would do it; Shipshape runs on Linux.
    }

    /// The descriptors this process has open, from `/proc/self/fd` (empty where there is none).
    static func openDescriptors() -> [Int32] {
        guard let directory = opendir("/proc/self/fd") else { return [] }
        defer { closedir(directory) }
        var descriptors: [Int32] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { bytes in
                String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
            }
            if let descriptor = Int32(name) { descriptors.append(descriptor) }
        }
        return descriptors
    }
}
