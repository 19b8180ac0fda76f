import Foundation
import TestSupport
import Testing

/// The admin API over its unix socket, against a gateway in front of a static service with no health checks.
@Suite("admin API", .timeLimit(.minutes(1)))
struct AdminAPITests {
    /// `curl --unix-socket` to the admin API.
    static func admin(_ gateway: GatewayHarness, _ method: String, _ path: String, _ body: String) async throws -> CurlResponse {
        try await CurlResponse.run(
            ["--unix-socket", gateway.adminSocket, "-X", method, "-H", "content-type: application/json", "-d", body,
             "http://admin\(path)"])
    }

    /// A free loopback port with nothing listening on it.
    static func deadTarget() throws -> String { "127.0.0.1:\(try ProcessRunner.freePort())" }

    @Test("a switch to a color whose target refuses connections is a 409 naming it, and traffic stays where it was")
    func switchToRefusingTarget() async throws {
        try await GatewayHarness.with { gateway in
            let dead = try Self.deadTarget()
            let put = try await Self.admin(gateway, "PUT", "/v1/services/app/targets/green", #"{"targets":["\#(dead)"]}"#)
            #expect(put.status == 200, "\(put.body)")
            let refused = try await Self.admin(gateway, "POST", "/v1/services/app/switch", #"{"color":"green"}"#)
            #expect(refused.status == 409)
            let message = try #require(try JSONSerialization.jsonObject(with: Data(refused.body.utf8)) as? [String: String])
            #expect(message["error"]?.contains("green target \(dead) refused a connection") == true, "\(refused.body)")
            #expect(try await CurlResponse.run(["\(gateway.http)/"]).status == 200)

            // Targets that accept: the switch goes through.
            _ = try await Self.admin(gateway, "PUT", "/v1/services/app/targets/green", #"{"targets":["127.0.0.1:\#(gateway.appPort)"]}"#)
            let switched = try await Self.admin(gateway, "POST", "/v1/services/app/switch", #"{"color":"green"}"#)
            #expect(switched.status == 200, "\(switched.body)")
            #expect(switched.body.contains(#""active_color":"green""#), "\(switched.body)")
            #expect(try await CurlResponse.run(["\(gateway.http)/"]).status == 200)
        }
    }

    @Test("a switch to a color with no targets is a 409; force still switches")
    func switchToEmptyColor() async throws {
        try await GatewayHarness.with { gateway in
            let refused = try await Self.admin(gateway, "POST", "/v1/services/app/switch", #"{"color":"green"}"#)
            #expect(refused.status == 409)
            #expect(refused.body.contains("green color has no targets"), "\(refused.body)")
            let forced = try await Self.admin(gateway, "POST", "/v1/services/app/switch", #"{"color":"green","force":true}"#)
            #expect(forced.status == 200, "\(forced.body)")
        }
    }

    @Test("emptying the active color's targets is a 409 and production keeps serving; force empties it")
    func emptyingActiveColor() async throws {
        try await GatewayHarness.with { gateway in
            let refused = try await Self.admin(gateway, "PUT", "/v1/services/app/targets/blue", #"{"targets":[]}"#)
            #expect(refused.status == 409)
            #expect(refused.body.contains("blue is the active color"), "\(refused.body)")
            #expect(try await CurlResponse.run(["\(gateway.http)/"]).status == 200)
            let forced = try await Self.admin(gateway, "PUT", "/v1/services/app/targets/blue", #"{"targets":[],"force":true}"#)
            #expect(forced.status == 200, "\(forced.body)")
            #expect(try await CurlResponse.run(["\(gateway.http)/"]).status == 503)
        }
    }

    @Test("maintenance mode survives a restart, with its message and Retry-After")
    func maintenancePersists() async throws {
        let state = try TemporaryDirectory(prefix: "admin-state")
        defer { state.remove() }
        let statePath = "\(state.path)/state.json"
        try await GatewayHarness.with(configure: { config, _ in config.gateway.admin.stateFile = statePath }) { gateway in
            let on = try await Self.admin(
                gateway, "POST", "/v1/maintenance", #"{"enabled":true,"message":"upgrading","retry_after":120}"#)
            #expect(on.status == 200, "\(on.body)")
        }
        try await GatewayHarness.with(configure: { config, _ in config.gateway.admin.stateFile = statePath }) { gateway in
            let response = try await CurlResponse.run(["\(gateway.http)/"])
            #expect(response.status == 503)
            #expect(response.headers["retry-after"] == "120")
            #expect(response.body.contains("upgrading"), "\(response.body)")
            _ = try await Self.admin(gateway, "POST", "/v1/maintenance", #"{"enabled":false}"#)
        }
        try await GatewayHarness.with(configure: { config, _ in config.gateway.admin.stateFile = statePath }) { gateway in
            // The saved targets are the previous app's (stopped): this run's app takes its place.
            _ = try await Self.admin(gateway, "PUT", "/v1/services/app/targets/blue", #"{"targets":["127.0.0.1:\#(gateway.appPort)"]}"#)
            let response = try await CurlResponse.run(["\(gateway.http)/"])
            #expect(response.status == 200)
        }
    }

    @Test("a negative retry_after is a 400 and maintenance stays off")
    func negativeRetryAfter() async throws {
        try await GatewayHarness.with { gateway in
            let refused = try await Self.admin(gateway, "POST", "/v1/maintenance", #"{"enabled":true,"retry_after":-5}"#)
            #expect(refused.status == 400)
            #expect(refused.body.contains("retry_after"), "\(refused.body)")
            let response = try await CurlResponse.run(["\(gateway.http)/"])
            #expect(response.status == 200)
            #expect(response.headers["retry-after"] == nil)
        }
    }
}
