import AsyncHTTPClient
import Deploy
import ShipshapeCore
import TestSupport
import Testing

@Suite("Smoke tests against a real app", .timeLimit(.minutes(2)))
struct SmokeTesterTests {
    /// Starts the test app, runs `body` with a tester and the app's address, then stops both.
    private func withApp(_ body: (SmokeTester, HostPort) async throws -> Void) async throws {
        let directory = try TemporaryDirectory(prefix: "smoke")
        defer { directory.remove() }
        let runtime = try TestApp.runtime(in: directory)
        let app = try runtime.start(color: .green, version: "2.0")
        let client = SmokeTester.makeHTTPClient()
        do {
            try await app.waitUntilListening(timeout: .seconds(20))
            try await body(SmokeTester(httpClient: client, timeout: .seconds(5)), app.target)
        } catch {
            await app.stop(grace: .seconds(2))
            try await client.shutdown()
            throw error
        }
        await app.stop(grace: .seconds(2))
        try await client.shutdown()
    }

    @Test("passes when status, body and header all match")
    func passes() async throws {
        try await withApp { tester, target in
            let results = try await tester.check(
                [
                    SmokeTestConfiguration(path: "/health", status: 200, contains: "ok"),
                    SmokeTestConfiguration(path: "/version", contains: "2.0", header: "X-Version: 2.0"),
                    SmokeTestConfiguration(path: "/missing", status: 404, header: "x-version"),
                ], against: target)
            #expect(results.count == 3)
            #expect(results.allSatisfy { $0.passed })
            #expect(results.map(\.status) == [200, 200, 404])
        }
    }

    @Test("names every failed expectation with the status and body it got")
    func failures() async throws {
        try await withApp { tester, target in
            let error = await #expect(throws: DeployError.self) {
                try await tester.check(
                    [
                        SmokeTestConfiguration(path: "/health"),
                        SmokeTestConfiguration(path: "/broken", status: 200),
                        SmokeTestConfiguration(path: "/version", contains: "3.0", header: "X-Version: 3"),
                        SmokeTestConfiguration(path: "/health", header: "X-Cache"),
                    ], against: target)
            }
            let message = try #require(error?.userMessage)
            #expect(error?.kind == .smokeFailed)
            #expect(message.contains("3 of 4 smoke tests failed"))
            #expect(message.contains("GET /broken: expected status 200, got 500 (body starts: database unavailable)"))
            #expect(message.contains("body does not contain '3.0'"))
            #expect(message.contains("header X-Version is '2.0', expected it to contain '3'"))
            #expect(message.contains("header X-Cache is missing"))
        }
    }

    @Test("reports a target that refuses connections")
    func refused() async throws {
        let client = SmokeTester.makeHTTPClient()
        let port = try ProcessRunner.freePort()
        let results = await SmokeTester(httpClient: client, timeout: .seconds(2))
            .run([SmokeTestConfiguration(path: "/health")], against: HostPort(host: "127.0.0.1", port: port))
        try await client.shutdown()
        #expect(results.first?.passed == false)
        #expect(results.first?.status == nil)
        #expect(results.first?.failure?.contains("request failed") == true)
    }
}
