import Foundation
import ShipshapeCore
import TestSupport
import Testing

@Suite("whether processes still run")
struct ProcessTableTests {
    /// Waits (off the cooperative pool's time, in short sleeps) until `condition` holds or 10 s pass.
    static func eventually(_ condition: () -> Bool) async throws -> Bool {
        for _ in 0..<500 {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return condition()
    }

    @Test("a process that exited and was not reaped is a zombie, which kill(2) still finds: it does not run")
    func zombie() async throws {
        let child = try SpawnedProcess(["/bin/sh", "-c", "exit 0"])
        // Not reaped yet: the kernel keeps its entry, and kill(pid, 0) succeeds on it.
        #expect(try await Self.eventually { !ProcessTable.isRunning(child.pid) })
        #expect(kill(child.pid, 0) == 0, "still in the process table")
        child.wait()
        #expect(!ProcessTable.isRunning(child.pid))
    }

    @Test("a running process runs")
    func running() throws {
        let child = try SpawnedProcess(["sleep", "30"])
        defer {
            child.signal(SIGKILL)
            child.wait()
        }
        #expect(ProcessTable.isRunning(child.pid))
        #expect(ProcessTable.isRunning(getpid()))
        #expect(!ProcessTable.isRunning(0) && !ProcessTable.isRunning(-1))
    }

    @Test("a group runs while any member runs, even once its leader has exited")
    func group() async throws {
        // A leader of its own group that starts a member and exits at once, leaving a zombie leader.
        var pid: pid_t = 0
        let command: [String] = ["/bin/sh", "-c", "sleep 30 & exit 0"]
        let argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let spawned = SpawnAttributes.with(ownProcessGroup: true) { attributes in
            posix_spawn(&pid, "/bin/sh", nil, &attributes, argv, environ)
        }
        try #require(spawned == 0)
        defer {
            kill(-pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        #expect(try await Self.eventually { !ProcessTable.isRunning(pid) }, "the leader exited")
        #expect(ProcessTable.groupIsRunning(pid), "its member still runs")
        kill(-pid, SIGKILL)
        // The member's parent (the leader) has exited: its zombie is init's to reap, which may never happen.
        #expect(try await Self.eventually { !ProcessTable.groupIsRunning(pid) })
    }
}
