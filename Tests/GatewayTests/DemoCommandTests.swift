import Foundation
import TestSupport
import Testing

@Suite("shipshape demo", .serialized)
struct DemoCommandTests {
    /// Waits until the demo's output (a file, not a terminal) contains `text`.
    static func waitForOutput(_ demo: ShipshapeProcess, containing text: String, timeout: Double) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(timeout)
        while ContinuousClock.now < deadline {
            if demo.output.contains(text) { return true }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    @Test("the demo prints its URLs at once, serves the app through TLS, deploys blue→green without a failed request, and stops on Ctrl-C")
    func demo() async throws {
        let directory = try TemporaryDirectory(prefix: "demo")
        defer { directory.remove() }
        let http = try ProcessRunner.freePort(), https = try ProcessRunner.freePort(), metrics = try ProcessRunner.freePort()
        let demo = try ShipshapeProcess(
            ["demo", "--http-port", "\(http)", "--https-port", "\(https)", "--metrics-port", "\(metrics)"],
            directory: directory.path)
        defer { demo.stop() }

        // Printed while the demo runs, though its output goes to a file (line-buffered, not held until exit),
        // and only once the app it points to serves.
        try #require(
            await Self.waitForOutput(demo, containing: "curl -k -i https://localhost:\(https)/api/hello", timeout: 60),
            "output: \(demo.output)")

        let hello = try await ProcessRunner.run(["curl", "-k", "-s", "-i", "--tlsv1.3", "https://localhost:\(https)/api/hello"])
        #expect(hello.stdout.hasPrefix("HTTP/2 200") || hello.stdout.hasPrefix("HTTP/1.1 200"), "\(hello.stdout)")
        #expect(hello.stdout.contains("hello from the demo app"))
        #expect(hello.stdout.lowercased().contains("strict-transport-security: max-age=63072000; includesubdomains"))
        #expect(hello.stdout.lowercased().contains("x-request-id: "))

        let redirect = try await ProcessRunner.run(["curl", "-s", "-i", "http://localhost:\(http)/api/hello"])
        #expect(redirect.stdout.hasPrefix("HTTP/1.1 301"), "\(redirect.stdout)")
        #expect(redirect.stdout.lowercased().contains("location: https://localhost:\(https)/api/hello"), "\(redirect.stdout)")

        let scrape = try await ProcessRunner.run(["curl", "-s", "http://127.0.0.1:\(metrics)/metrics"])
        #expect(scrape.stdout.contains("shipshape_http_requests_total"))

        #expect(
            await Self.waitForOutput(demo, containing: "Live blue→green deploy done", timeout: 90), "output: \(demo.output)")
        #expect(demo.output.contains("failed requests:                   0"), "output: \(demo.output)")
        let after = try await ProcessRunner.run(["curl", "-k", "-s", "https://localhost:\(https)/api/hello"])
        #expect(after.stdout.contains("\"version\":\"2.0.0\""), "\(after.stdout)")

        demo.signal(SIGINT)
        #expect(await demo.waitForExit(timeout: 15) == 0, "output: \(demo.output)")
        let stateDirectory = "\(NSTemporaryDirectory())/shipshape-demo-\(demo.pid)"
        #expect(!FileManager.default.fileExists(atPath: stateDirectory), "the demo removes its state when it stops")
    }
}
