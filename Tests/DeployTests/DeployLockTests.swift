import Deploy
import Foundation
import TestSupport
import Testing

@Suite("Deploy lock", .timeLimit(.minutes(1)))
struct DeployLockTests {
    @Test("refuses a second deploy of the same project and names the holder's pid")
    func refusesSecond() throws {
        let directory = try TemporaryDirectory(prefix: "lock")
        defer { directory.remove() }
        let path = "\(directory.path)/\(DeployLock.fileName(project: "shop"))"
        let lock = try DeployLock.acquire(path: path, project: "shop", detail: "deploy api --image api:2")
        let error = #expect(throws: DeployError.self) { try DeployLock.acquire(path: path, project: "shop") }
        #expect(error?.kind == .locked)
        #expect(error?.userMessage.contains("pid \(getpid())") == true)
        #expect(error?.userMessage.contains("deploy api --image api:2") == true)
        // Another project is independent.
        let other = try DeployLock.acquire(
            path: "\(directory.path)/\(DeployLock.fileName(project: "blog"))", project: "blog")
        other.release()
        lock.release()
        try DeployLock.acquire(path: path, project: "shop").release()
    }

    @Test("is held by another process until that process dies, even without cleaning up")
    func crossProcess() async throws {
        guard ProcessRunner.isInstalled("python3") else {
            throw TestSupportError(message: "python3 is not installed: run scripts/install-docker-deps.sh")
        }
        let directory = try TemporaryDirectory(prefix: "lock")
        defer { directory.remove() }
        let path = "\(directory.path)/deploy-shop.lock"
        // A holder that locks the file, writes its pid as Shipshape does, then hangs (as a stuck deploy would).
        let holder = ProcessRuntime(
            configuration: .init(command: [
                "python3", "-c",
                "import fcntl, os, sys, time; f = open(sys.argv[1], 'a+'); fcntl.flock(f, fcntl.LOCK_EX); "
                    + "f.truncate(0); f.write('pid %d since now' % os.getpid()); f.flush(); "
                    + "print('locked', flush=True); time.sleep(300)",
                path,
            ]))
        let process = try holder.start(color: .blue, version: "0")
        for _ in 0..<200 where process.recentLog() != ["locked"] { try await Task.sleep(for: .milliseconds(25)) }
        #expect(process.recentLog() == ["locked"])
        let error = #expect(throws: DeployError.self) { try DeployLock.acquire(path: path, project: "shop") }
        #expect(error?.userMessage.contains("pid \(process.pid)") == true)
        // Killed without unlocking: the kernel releases the lock, so the next deploy proceeds.
        kill(process.pid, SIGKILL)
        _ = await process.stop(grace: .seconds(1))
        let lock = try DeployLock.acquire(path: path, project: "shop")
        lock.release()
    }
}
