import Deploy
import Foundation
import ShipshapeCore
import Testing

/// The admin API client against a real gateway's unix socket.
@Suite("Admin API client", .timeLimit(.minutes(1)))
struct AdminClientTests {
    @Test("reads services, registers targets, and reports the gateway's 409 for a switch to an unhealthy color")
    func refusesUnhealthySwitch() async throws {
        try await DeployHarness.with { harness in
            let admin = harness.admin
            #expect(try await admin.services().map(\.name) == ["app"])
            let state = try await admin.setTargets(service: "app", color: .green, targets: ["127.0.0.1:9"])
            #expect(state.targets(of: .green).map(\.address) == ["127.0.0.1:9"])
            let error = await #expect(throws: DeployError.self) {
                try await admin.activate(service: "app", color: .green)
            }
            #expect(error?.kind == .gatewayRefused)
            #expect(error?.userMessage.contains("(409)") == true)
            #expect(try await admin.service("app").activeColor == .blue)
        }
    }

    @Test("says which socket it could not reach and how to fix it")
    func unreachable() async throws {
        let client = SmokeTester.makeHTTPClient()
        let admin = AdminClient(socketPath: "/nonexistent/shipshape-admin.sock", httpClient: client)
        let error = await #expect(throws: DeployError.self) { try await admin.services() }
        #expect(error?.kind == .gateway)
        #expect(error?.userMessage.contains("/nonexistent/shipshape-admin.sock") == true)
        #expect(error?.userMessage.contains("shipshape run") == true)
        try await client.shutdown()
    }
}

/// The bake window's reading of the gateway's Prometheus counters.
@Suite("Request counts")
struct RequestCountsTests {
    @Test("sums one color's requests and 5xx answers across routes and statuses")
    func parses() {
        let text = """
            # TYPE shipshape_http_requests_total counter
            shipshape_http_requests_total{route="/",status="200",color="green"} 90
            shipshape_http_requests_total{route="/api/",status="503",color="green"} 6
            shipshape_http_requests_total{route="/",status="500",color="green"} 4
            shipshape_http_requests_total{route="/",status="500",color="blue"} 70
            shipshape_http_request_duration_seconds_count{route="/",status="500",color="green"} 1000
            """
        let green = RequestCounts.parse(prometheusText: text, color: .green)
        #expect(green == RequestCounts(total: 100, serverErrors: 10))
        #expect(green.errorRatio == 0.1)
        let later = RequestCounts(total: 150, serverErrors: 10)
        #expect(later.since(green) == RequestCounts(total: 50, serverErrors: 0))
        // Another service's route on the same color is not the deployed service's traffic.
        #expect(RequestCounts.parse(prometheusText: text, color: .green, routes: ["/"]) == .init(total: 94, serverErrors: 4))
    }

    @Test("finds a service's route prefixes and those another service shares")
    func serviceRoutes() {
        let routes = [
            RouteConfiguration(match: "/other/", service: "other"), RouteConfiguration(match: "/", service: "web"),
            RouteConfiguration(match: "/api/", host: "a.example", service: "web"),
            RouteConfiguration(match: "/api/", host: "b.example", service: "other"),
        ]
        let web = DeploySettings.routes(of: "web", in: routes)
        #expect(web.own == ["/", "/api/"])
        #expect(web.shared == ["/api/"])
    }
}
