import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import ShipshapeCore

/// Sends a service's declarative smoke tests (path, status, body contains, header) straight to a new
/// color's target before it takes traffic, and says exactly which expectation failed.
public struct SmokeTester: Sendable {
    /// Default time one smoke request may take.
    public static let defaultTimeout: Duration = .seconds(5)
    /// The most of a response body read to check `contains` (the rest is ignored).
    public static let maximumBodySize = 1024 * 1024
    /// How much of an unexpected body a failure message quotes.
    public static let bodyExcerptLength = 200

    let httpClient: HTTPClient
    let timeout: Duration

    /// A tester sending requests through `httpClient` (see `makeHTTPClient()`), each bounded by `timeout`.
    public init(httpClient: HTTPClient, timeout: Duration = Self.defaultTimeout) {
        self.httpClient = httpClient
        self.timeout = timeout
    }

    /// An HTTP client suited to smoke tests: redirects are not followed, so a test sees the status the
    /// new version really answers. The caller shuts it down.
    public static func makeHTTPClient() -> HTTPClient {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow)
        configuration.timeout = .init(connect: .seconds(Int64(defaultTimeout.components.seconds)))
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Runs every test against `target` and returns each result (all run, even after a failure, so the
    /// report is complete). `host` sets the Host header, for apps that route by it.
    public func run(
        _ tests: [SmokeTestConfiguration], against target: HostPort, host: String? = nil
    ) async -> [SmokeTestResult] {
        var results: [SmokeTestResult] = []
        for test in tests { results.append(await run(test, against: target, host: host)) }
        return results
    }

    /// Runs every test and throws a `DeployError` (kind `.smokeFailed`) listing each failure.
    @discardableResult
    public func check(
        _ tests: [SmokeTestConfiguration], against target: HostPort, host: String? = nil
    ) async throws(DeployError) -> [SmokeTestResult] {
        let results = await run(tests, against: target, host: host)
        let failures = results.filter { !$0.passed }
        guard failures.isEmpty else {
            throw DeployError(
                kind: .smokeFailed,
                userMessage: """
                    \(failures.count) of \(results.count) smoke test\(results.count == 1 ? "" : "s") failed against \
                    the new version at \(target):
                    \(failures.map { "  - \($0.summary)" }.joined(separator: "\n"))
                    The new version was not given traffic. Fix it or correct the expectations under `smoke:` in \
                    shipshape.yml, then deploy again.
                    """)
        }
        return results
    }

    /// Runs one test.
    public func run(_ test: SmokeTestConfiguration, against target: HostPort, host: String? = nil) async
        -> SmokeTestResult
    {
        let clock = ContinuousClock()
        let start = clock.now
        var result = SmokeTestResult(test: test, target: target, status: nil, failure: nil, durationMilliseconds: 0)
        let path = test.path.hasPrefix("/") ? test.path : "/\(test.path)"
        var request = HTTPClientRequest(url: "http://\(target)\(path)")
        request.headers.add(name: "User-Agent", value: "shipshape-smoke")
        if let host { request.headers.add(name: "Host", value: host) }
        do {
            let response = try await httpClient.execute(request, timeout: .init(timeout))
            let body = try await response.body.collect(upTo: Self.maximumBodySize)
            result.status = Int(response.status.code)
            result.failure = Self.failure(
                of: test, status: Int(response.status.code), headers: response.headers, body: body)
        } catch let error as NIOTooManyBytesError {
            result.failure = "the body is larger than \(error.maxBytes ?? Self.maximumBodySize) bytes"
        } catch let error as HTTPClientError where error == .deadlineExceeded {
            result.failure = "no response within \(timeout)"
        } catch {
            result.failure = "request failed: \(error)"
        }
        result.durationMilliseconds = DeployStepTimer.milliseconds(clock.now - start)
        return result
    }

    /// What is wrong with a response, or nil when it meets every expectation.
    static func failure(of test: SmokeTestConfiguration, status: Int, headers: HTTPHeaders, body: ByteBuffer) -> String?
    {
        var problems: [String] = []
        if status != test.status { problems.append("expected status \(test.status), got \(status)") }
        let text = String(buffer: body)
        if let expected = test.contains, !text.contains(expected) {
            problems.append("body does not contain '\(expected)'")
        }
        if let header = test.header {
            let (name, value) = Self.splitHeader(header)
            let actual = headers[name]
            if actual.isEmpty {
                problems.append("header \(name) is missing")
            } else if let value, !actual.contains(where: { $0.contains(value) }) {
                problems.append(
                    "header \(name) is '\(actual.joined(separator: ", "))', expected it to contain '\(value)'")
            }
        }
        guard !problems.isEmpty else { return nil }
        let excerpt = text.prefix(Self.bodyExcerptLength).replacingOccurrences(of: "\n", with: " ")
        return problems.joined(separator: "; ") + (excerpt.isEmpty ? "" : " (body starts: \(excerpt))")
    }

    /// `X-Version: 2` → (`X-Version`, `2`); `X-Version` → (`X-Version`, nil).
    static func splitHeader(_ text: String) -> (String, String?) {
        guard let colon = text.firstIndex(of: ":") else { return (text.trimmingCharacters(in: .whitespaces), nil) }
        let name = text[..<colon].trimmingCharacters(in: .whitespaces)
        let value = text[text.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        return (name, value.isEmpty ? nil : value)
    }
}
