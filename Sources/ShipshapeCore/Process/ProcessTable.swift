import Foundation

/// Whether processes are still running, from `/proc`.
///
/// `kill(pid, 0)` alone is not enough: a process that has exited stays in the table as a zombie until its
/// parent reaps it, and a process whose parent exited first (a daemon, an app started by an earlier
/// `shipshape` run) is reaped by init, which in a container without an init of its own, or on some VMs, never
/// happens. Such a zombie has exited all the same.
public enum ProcessTable {
    /// Whether `pid` exists and has not exited. A process of another user counts (`EPERM`).
    public static func isRunning(_ pid: pid_t) -> Bool {
        guard pid > 0, kill(pid, 0) == 0 || errno == EPERM else { return false }
        guard let status = status(of: pid) else { return true }  // no /proc: trust kill(2)
        return !status.hasExited
    }

    /// Whether any process of the process group `group` exists and has not exited.
    public static func groupIsRunning(_ group: pid_t) -> Bool {
        guard group > 1, kill(-group, 0) == 0 || errno == EPERM else { return false }
        if isRunning(group) { return true }  // the leader, usually
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return true }
        for entry in entries {
            guard let pid = pid_t(entry), let status = status(of: pid) else { continue }
            if status.group == group, !status.hasExited { return true }
        }
        return false
    }

    /// The fields of `/proc/PID/stat` these checks need.
    struct Status {
        /// `R`, `S`, `D`, `T`, `Z` (zombie), `X` (dead), …
        var state: Character
        var group: pid_t
        var hasExited: Bool { state == "Z" || state == "X" }
    }

    /// `/proc/PID/stat` is `pid (comm) state ppid pgrp …`; the name may hold spaces and parentheses, so the
    /// fields are counted from the last `)`.
    static func status(of pid: pid_t) -> Status? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let nameEnd = text.lastIndex(of: ")")
        else { return nil }
        let fields = text[text.index(after: nameEnd)...].split(separator: " ")
        guard fields.count > 2, let state = fields[0].first, let group = pid_t(fields[2]) else { return nil }
        return Status(state: state, group: group)
    }
}
