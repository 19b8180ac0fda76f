import AsyncHTTPClient
import Deploy
import Foundation
import Testing

/// Deploys report their outcome to the gateway, which counts them on its metrics listener.
@Suite("Deploy metrics", .timeLimit(.minutes(2)))
struct DeployMetricsTests {
    @Test("the gateway counts each deploy by outcome and its duration, as a scrape of its metrics shows")
    func countsDeploys() async throws {
        // A service name of its own: the metrics registry is shared by every gateway in this test process.
        let name = "metered-\(UUID().uuidString.prefix(6).lowercased())"
        try await DeployHarness.with(name: name) { harness in
            let controller = harness.controller()
            try await controller.deploy(version: "1.0.0")
            await #expect(throws: DeployError.self) { try await controller.deploy(version: "2.0.0-unhealthy") }
            let metrics = try await Self.scrape(harness)
            #expect(metrics.contains(#"shipshape_deploys_total{service="\#(name)",outcome="succeeded"} 1"#))
            #expect(metrics.contains(#"shipshape_deploys_total{service="\#(name)",outcome="failed"} 1"#))
            #expect(metrics.contains(#"shipshape_deploy_duration_seconds_count{service="\#(name)"} 2"#))
        }
    }

    @Test("the gateway refuses a deploy report with an unknown outcome or service")
    func refusesUnknownLabels() async throws {
        try await DeployHarness.with { harness in
            let outcome = await #expect(throws: DeployError.self) {
                try await harness.admin.reportDeploy(service: "app", outcome: "exploded", durationSeconds: 1)
            }
            #expect(outcome?.userMessage.contains("(400)") == true)
            let service = await #expect(throws: DeployError.self) {
                try await harness.admin.reportDeploy(service: "nope", outcome: "failed", durationSeconds: 1)
            }
            #expect(service?.userMessage.contains("(404)") == true)
            let metrics = try await Self.scrape(harness)
            #expect(!metrics.contains(#"outcome="exploded""#))
        }
    }

    static func scrape(_ harness: DeployHarness) async throws -> String {
        let port = try #require(harness.settings.metrics?.port)
        let response = try await harness.httpClient.execute(
            HTTPClientRequest(url: "http://127.0.0.1:\(port)/metrics"), timeout: .seconds(5))
        return String(buffer: try await response.body.collect(upTo: 4 << 20))
    }
}
