#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `posix_spawn` attributes for a child that starts with an empty signal mask and default handling of the
/// signals it is stopped with. Without them it inherits this process's state: SIGPIPE ignored, and whatever
/// the spawning thread blocks (a child spawned from such a thread ignores SIGTERM).
public enum SpawnAttributes {
    /// Runs `body` with the attributes; with `ownProcessGroup` the child also leads a process group of its own,
    /// so a signal to the group reaches its children too.
    public static func with<Result>(
        ownProcessGroup: Bool = false, _ body: (inout posix_spawnattr_t) throws -> Result
    ) rethrows -> Result {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
        if ownProcessGroup {
            flags |= POSIX_SPAWN_SETPGROUP
            posix_spawnattr_setpgroup(&attributes, 0)
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGTERM, SIGINT, SIGHUP] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        return try body(&attributes)
    }
}
