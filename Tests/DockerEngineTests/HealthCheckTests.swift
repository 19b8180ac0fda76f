import DockerEngine
import Foundation
import TestSupport
import Testing

/// The engine's health checks on Podman, which runs none by itself here: run on demand through libpod.
@Suite("Engine health checks (Podman)", .timeLimit(.minutes(2)))
struct HealthCheckTests {
    @Test("runs Podman's health check on demand: starting, then healthy, then unhealthy with the check's output")
    func onDemand() async throws {
        try await EngineFixture.with { client in
            #expect(client.version.isPodman)
            let name = EngineFixture.uniqueName("health")
            // Hourly: Podman would not run it by itself before the test ends anyway; every run here is ours.
            let check = ContainerSpec.HealthCheck(
                test: ["CMD-SHELL", "cat /www/health && test ! -e /www/broken"], interval: .seconds(3600),
                timeout: .seconds(10), retries: 1)
            let id = try await client.createContainer(
                ContainerSpec(image: EngineFixture.image, environment: ["MODE=check"], healthCheck: check), name: name)
            do {
                try await client.startContainer(id)
                let started = try await client.inspectContainer(id)
                #expect(started.state.health?.status == "starting")
                #expect(started.environment.contains("MODE=check"))
                #expect(started.memoryLimit == nil)
                #expect(try await client.runHealthCheck(id).status == "healthy")

                let broken = try await client.execCollecting(id, ExecSpec(command: ["sh", "-c", "echo > /www/broken"]))
                #expect(broken.exitCode == 0)
                #expect(try await client.runHealthCheck(id).status == "unhealthy")
                let health = try #require(try await client.inspectContainer(id).state.health)
                #expect(health.status == "unhealthy")
                #expect(health.failingStreak >= 1)
                #expect(health.lastOutput == "exit 1: ok")
            } catch {
                await client.removeQuietly(id)
                throw error
            }
            await client.removeQuietly(id)
        }
    }
}
