import AsyncHTTPClient
import Foundation
import Logging
import ShipshapeCore

/// Watches the new color for the bake window after a switch by reading the gateway's request counters,
/// and says when its 5xx ratio crosses the threshold (so the controller flips traffic back).
struct BakeMonitor: Sendable {
    /// How often the counters are read during the window.
    static let pollInterval: Duration = .milliseconds(250)
    /// Fewer requests than this never fail a bake: two 500s out of three requests are noise, not a verdict.
    static let minimumRequests: Double = 10
    /// The most of a metrics page read.
    static let maximumMetricsSize = 16 * 1024 * 1024

    let metrics: HostPort
    /// The route prefixes of the deployed service (nil: every route).
    let routes: Set<String>?
    let httpClient: HTTPClient
    let logger: Logger

    /// The counters of `color` now.
    func read(_ color: DeployColor) async throws(DeployError) -> RequestCounts {
        let url = "http://\(metrics)/metrics"
        do {
            let response = try await httpClient.execute(HTTPClientRequest(url: url), timeout: .seconds(5))
            let body = try await response.body.collect(upTo: Self.maximumMetricsSize)
            return RequestCounts.parse(prometheusText: String(buffer: body), color: color, routes: routes)
        } catch {
            throw DeployError(
                kind: .gateway,
                userMessage: "Cannot read the gateway's metrics at \(url) for the bake window: \(error).")
        }
    }

    /// Why a bake failed.
    enum Failure: Sendable, Hashable {
        /// The 5xx share crossed the limit.
        case errors(RequestCounts)
        /// The new color stopped serving (its process or container exited, or the gateway's probe calls its
        /// target unhealthy): a verdict that needs no traffic to be reached.
        case stopped(reason: String)
    }

    /// Watches `color` for `window` from `baseline`; returns nil when it stayed under `maximumErrorRate` and
    /// `stopped` said nothing on every poll, else why it failed. `stopped` returns why the new color no longer
    /// serves, or nil while it does.
    func watch(
        _ color: DeployColor, from baseline: RequestCounts, window: Duration, maximumErrorRate: Double,
        stopped: () async -> String?
    ) async throws -> Failure? {
        let clock = ContinuousClock()
        let end = clock.now + window
        var latest = RequestCounts()
        repeat {
            try await Task.sleep(for: min(Self.pollInterval, max(.zero, end - clock.now)))
            if let reason = await stopped() { return .stopped(reason: reason) }
            latest = try await read(color).since(baseline)
            if latest.total >= Self.minimumRequests, latest.errorRatio > maximumErrorRate {
                return .errors(latest)
            }
        } while clock.now < end
        logger.info(
            "bake window passed",
            metadata: [
                "color": "\(color)", "requests": "\(Int(latest.total))", "server_errors": "\(Int(latest.serverErrors))",
            ])
        return nil
    }
}
