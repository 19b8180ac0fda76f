import Foundation
@testable import ShipshapeCore
import TestSupport
import Testing

@Suite("child processes inherit nothing but their standard descriptors")
struct SpawnFileActionsTests {
    /// Lists the descriptors a child shell has open, one per line (`ls` is the shell's child: the directory it
    /// opens to read is its own, and the `exit` keeps the shell from replacing itself with `ls`).
    static let listOwnDescriptors = ["/bin/sh", "-c", "ls /proc/$$/fd; exit 0"]

    @Test(
        "a socket and a pipe open in this process, neither close-on-exec, do not reach a spawned child",
        arguments: [true, false])
    func childGetsOnlyStandardDescriptors(closeFrom: Bool) throws {
        let directory = try TemporaryDirectory(prefix: "spawn")
        defer { directory.remove() }
        // What SwiftNIO's sockets are like: no close-on-exec.
        let socketDescriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var pipeDescriptors: [Int32] = [0, 0]
        #expect(pipe(&pipeDescriptors) == 0)
        defer {
            close(socketDescriptor)
            close(pipeDescriptors[0])
            close(pipeDescriptors[1])
        }
        #expect(socketDescriptor > 2 && fcntl(socketDescriptor, F_GETFD) & FD_CLOEXEC == 0)

        let output = "\(directory.path)/out"
        var pid: pid_t = 0
        let argv = Self.listOwnDescriptors.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        // A descriptor of this process dup'ed onto 2 before the others close is still the child's stderr.
        posix_spawn_file_actions_adddup2(&actions, pipeDescriptors[1], 2)
        // What `SpawnFileActions.with` appends; `closeFrom: false` is the path of C libraries before glibc 2.34.
        SpawnFileActions.closeInherited(from: 3, in: &actions, closeFrom: closeFrom)
        let result = posix_spawn(&pid, "/bin/sh", &actions, nil, argv, environ)
        #expect(result == 0)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1, errno == EINTR {}
        let listed = try String(contentsOfFile: output, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let inherited = listed.split(separator: "\n").compactMap { Int32($0) }
        if closeFrom {
            #expect(inherited == [0, 1, 2])
        } else {
            // One close per descriptor open when the actions were made: one another test opens meanwhile may
            // still reach the child, these may not.
            #expect(inherited.starts(with: [0, 1, 2]))
            #expect(!inherited.contains { [socketDescriptor, pipeDescriptors[0], pipeDescriptors[1]].contains($0) })
        }
    }

    @Test("the test support's spawned processes get only their standard descriptors too")
    func testSupportChildren() async throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        let result = try await ProcessRunner.run(Self.listOwnDescriptors)
        #expect(result.stdout.split(separator: "\n") == ["0", "1", "2"])
    }
}
