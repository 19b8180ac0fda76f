import Foundation
import Gateway
import ShipshapeCore
import TestSupport
import Testing

@Suite("gateway: limits, timeouts and malformed requests", .serialized)
struct LimitsTests {
    @Test("a declared body over max_body_size is refused with 413 before reaching the upstream")
    func contentLengthTooLarge() async throws {
        try await GatewayHarness.with(configure: { config, _ in config.gateway.limits.maxBodySize = .kilobytes(64) }) { gateway in
            let body = Data(repeating: 0x61, count: 100 * 1024)
            let response = try await CurlResponse.run(["--data-binary", "@-", "\(gateway.http)/echo"], input: body)
            #expect(response.status == 413)
            #expect(response.body.contains(#""error":"payload_too_large""#))
            let small = try await CurlResponse.run(["--data-binary", "@-", "\(gateway.http)/echo"], input: Data(repeating: 0x62, count: 1000))
            #expect(small.status == 200)
            #expect(small.body.count == 1000)
        }
    }

    @Test("a chunked body growing past max_body_size is cut with 413")
    func chunkedTooLarge() async throws {
        try await GatewayHarness.with(configure: { config, _ in config.gateway.limits.maxBodySize = .kilobytes(64) }) { gateway in
            let chunk = String(repeating: "x", count: 16 * 1024)
            let hex = String(chunk.utf8.count, radix: 16)
            func request(_ path: String) -> [String] {
                ["POST \(path) HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"]
                    + Array(repeating: "\(hex)\r\n\(chunk)\r\n", count: 8) + ["0\r\n\r\n"]
            }
            let answer = try await rawExchange(port: gateway.httpPort, chunks: request("/upload"), timeout: 5)
            #expect(answer.hasPrefix("HTTP/1.1 413"))
            #expect(answer.contains("payload_too_large"))
            // An upstream that already started answering cannot be turned into a 413: the response is cut short.
            let echoed = try await rawExchange(port: gateway.httpPort, chunks: request("/echo"), timeout: 5)
            #expect(!echoed.hasSuffix("0\r\n\r\n"), "the oversized body must not be echoed completely")
            let within = try await rawExchange(
                port: gateway.httpPort,
                chunks: ["POST /upload HTTP/1.1\r\nHost: t\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n",
                    "\(hex)\r\n\(chunk)\r\n", "0\r\n\r\n"])
            #expect(within.contains(#"{"received":16384}"#))
        }
    }

    @Test("headers over max_header_size are answered 431")
    func headersTooLarge() async throws {
        try await GatewayHarness.with(configure: { config, _ in config.gateway.limits.maxHeaderSize = .kilobytes(4) }) { gateway in
            let response = try await CurlResponse.run(["-H", "X-Big: \(String(repeating: "a", count: 8000))", "\(gateway.http)/"])
            #expect(response.status == 431)
            let status1 = try await CurlResponse.run(["-H", "X-Small: a", "\(gateway.http)/"]).status
            #expect(status1 == 200)
        }
    }

    @Test("upstream_timeout counts from the request's end: a slow but steady upload passes; a body that stops is a 408, not a 504")
    func slowUpload() async throws {
        try await GatewayHarness.with(configure: { config, _ in
            config.gateway.limits.upstreamTimeout = .milliseconds(500)
            config.gateway.limits.idleTimeout = .seconds(2)
        }) { gateway in
            // Ten bytes at one every 0.25 s: 2.5 s of upload, five times the upstream timeout.
            let head = "POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\nConnection: close\r\n\r\n"
            let steady = try await rawExchange(port: gateway.httpPort, chunks: [head] + Array(repeating: "a", count: 10), pause: 0.25)
            #expect(steady.hasPrefix("HTTP/1.1 200"), "\(steady.prefix(300))")

            // Three bytes, then nothing: the client's stall, answered after idle_timeout.
            let (stalled, elapsed) = try await timedRawExchange(
                port: gateway.httpPort, chunks: [head, "a", "a", "a"], pause: 0.1, timeout: 30)
            #expect(stalled.hasPrefix("HTTP/1.1 408"), "\(stalled.prefix(300))")
            #expect(stalled.contains("the request body stopped arriving"))
            #expect(elapsed > 1.5 && elapsed < 10, "after idle_timeout (2 s): \(elapsed)")
            // The upstream still answers on time once a request has ended.
            let late = try await CurlResponse.run(["\(gateway.http)/delay/3000"])
            #expect(late.status == 504)
        }
    }

    @Test("a slowloris client is cut at the header deadline while normal clients are served")
    func slowloris() async throws {
        try await GatewayHarness.with(configure: { config, _ in config.gateway.limits.headerTimeout = .seconds(2) }) { gateway in
            let port = gateway.httpPort
            // One byte every 0.5 s: an idle-read timer would be reset by each byte and never fire.
            let request = "GET / HTTP/1.1\r\nHost: slow\r\nX-Trickle: " + String(repeating: "a", count: 40) + "\r\n\r\n"
            async let slow = timedRawExchange(port: port, chunks: request.unicodeScalars.map { String($0) }, pause: 0.5, timeout: 30)
            for _ in 0..<5 {
                let status2 = try await CurlResponse.run(["\(gateway.http)/api/hello"]).status
                #expect(status2 == 200)
                try await Task.sleep(for: .milliseconds(200))
            }
            let (answer, elapsed) = try await slow
            #expect(answer.hasPrefix("HTTP/1.1 408"))
            #expect(answer.contains("request_timeout"))
            // Written below the HTTP encoder, it still carries the security headers like every other answer.
            #expect(answer.lowercased().contains("x-content-type-options: nosniff"), "\(answer.prefix(400))")
            // The slow client's own time from its first byte: the whole trickle (85 bytes at 2 a second) would
            // take 42 s; it is cut at the 2 s deadline (the bound leaves room for a loaded machine).
            #expect(elapsed < 8, "cut at the deadline, not after the whole trickle")
        }
    }

    @Test(
        "malformed requests are answered 400 and closed, never forwarded",
        arguments: [
            "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: t\r\nX-Folded: a\r\n  continued\r\n\r\n",
            "GET / HTTP/1.1\nHost: t\n\n",
            "GET / HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
            "GET / HTTP/1.1\r\nUser-Agent: no-host\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        ])
    func malformed(request: String) async throws {
        try await GatewayHarness.with { gateway in
            let answer = try await rawExchange(port: gateway.httpPort, chunks: [request], timeout: 5)
            #expect(answer.hasPrefix("HTTP/1.1 400"), "got: \(answer.prefix(80))")
            #expect(!answer.contains("x-app-version"), "the upstream must never see it")
            // A JSON error like every other the gateway gives, with its request ID and the security headers.
            let lowercased = answer.lowercased()
            #expect(lowercased.contains("connection: close") && lowercased.contains("x-request-id: "))
            #expect(lowercased.contains("x-content-type-options: nosniff"))
            #expect(answer.contains(#""error":"bad_request""#), "got: \(answer)")
            // A request whose head went upstream before its body turned out malformed is logged as the 400 it got.
            let log = try gateway.accessLog()
            #expect(log.allSatisfy { ($0["service"] as? String) != "app" || ($0["status"] as? Int) == 400 })
        }
    }

    @Test("a malformed request pipelined behind a good one gets its 400 after the good one's answer")
    func malformedBehindGood() async throws {
        try await GatewayHarness.with { gateway in
            let answer = try await rawExchange(port: gateway.httpPort, chunks: [
                "GET /delay/300 HTTP/1.1\r\nHost: t\r\n\r\n"
                    + "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            ], timeout: 5)
            let responses = Array(answer.components(separatedBy: "HTTP/1.1 ").dropFirst())
            try #require(responses.count == 2, "got: \(answer)")
            #expect(responses[0].hasPrefix("200") && responses[0].hasSuffix(#""version":"blue"}"#), "the good request is answered whole")
            #expect(responses[1].hasPrefix("400") && responses[1].contains(#""error":"bad_request""#))
            #expect(try gateway.accessLog().compactMap { $0["path"] as? String } == ["/delay/300"], "the bad one never went upstream")
        }
    }

    @Test(
        "Expect: 100-continue is answered by the gateway and the body goes through",
        arguments: [[], ["--compressed"]])  // with the response compressor in the connection's pipeline too
    func expectContinue(extraArguments: [String]) async throws {
        try await GatewayHarness.with { gateway in
            let body = Data(repeating: 0x63, count: 2 << 20)
            let response = try await CurlResponse.run(
                extraArguments + ["-H", "Expect: 100-continue", "--data-binary", "@-", "\(gateway.http)/echo"], input: body)
            #expect(response.status == 200)
            #expect(response.body.utf8.count == body.count)
        }
    }
}
