// Measures rate limit decisions per second: in-process (memory store, one thread) and through Redis
// (pipelined). Usage: RateLimitBenchmark memory [DECISIONS] | redis PORT [DECISIONS] [IN_FLIGHT]
import Logging
import NIOCore
import NIOPosix
import RateLimit
import ShipshapeCore

#if canImport(Glibc)
import Glibc
#endif

/// Distinct client addresses cycled through, so the table sees realistic key churn.
let distinctClients = 10_000
/// Default decisions for the in-process run.
let defaultMemoryDecisions = 20_000_000
/// Default decisions for the Redis run.
let defaultRedisDecisions = 300_000
/// Default decisions in flight (pipelined) against Redis.
let defaultInFlight = 256

func policies() -> [RateLimitConfiguration.Policy] {
    [
        .init(name: "health", match: "/health", rate: .unlimited),
        .init(name: "auth", match: "/api/auth/", key: "ip", rate: .limited(count: 10, period: .seconds(60)), burst: 5),
        .init(name: "api", match: "/api/", key: "ip", rate: .limited(count: 100, period: .seconds(60)), burst: 20),
    ]
}

func requests() -> [RateLimitRequest] {
    (0..<distinctClients).map { index in
        RateLimitRequest(
            method: "GET", path: "/api/products/\(index % 97)", host: "shop.example",
            clientIP: "10.\(index / 65536).\((index / 256) % 256).\(index % 256)",
            // The gateway passes only the headers some key reads (`RateLimiter.requestHeaderNames`): none
            // for these `ip` policies.
            headers: [])
    }
}

func seconds(since start: ContinuousClock.Instant) -> Double {
    let elapsed = ContinuousClock.now - start
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
}

/// CPU seconds consumed by the calling thread: on a shared machine this measures the work, not the wait.
func threadCPUSeconds() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}

func runMemory(decisions: Int) throws {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    defer { try? group.syncShutdownGracefully() }
    let limiter = try RateLimiter(
        configuration: RateLimitConfiguration(policies: policies()), logger: Logger(label: "bench"),
        eventLoopGroup: group)
    let batch = requests()
    var allowed = 0
    let start = ContinuousClock.now
    let cpuStart = threadCPUSeconds()
    for index in 0..<decisions {
        if let decision = limiter.decideLocally(batch[index % batch.count]), decision.allowed { allowed += 1 }
    }
    let cpu = threadCPUSeconds() - cpuStart
    let elapsed = seconds(since: start)
    print(
        "memory_decisions_per_second \(Int(Double(decisions) / elapsed)) "
            + "per_cpu_second=\(Int(Double(decisions) / cpu)) decisions=\(decisions) allowed=\(allowed)")

    // What the gateway does per request with the memory store: decide, then read the quota headers.
    let headerDecisions = decisions / 4
    var headerBytes = 0
    let headerStart = ContinuousClock.now
    for index in 0..<headerDecisions {
        if case .decided(let decision) = limiter.decideImmediately(batch[index % batch.count]) {
            for field in decision.headers { headerBytes &+= field.value.utf8.count }
        }
    }
    let headerElapsed = seconds(since: headerStart)
    print(
        "memory_decisions_with_headers_per_second \(Int(Double(headerDecisions) / headerElapsed)) "
            + "header_bytes=\(headerBytes)")

    // The gateway calls `decide` on its event loop, where an already-succeeded future runs callbacks inline.
    let loop = group.next()
    let futureDecisions = decisions / 4
    let futureElapsed = try loop.submit { () -> Double in
        var futureAllowed = 0
        let futureStart = ContinuousClock.now
        for index in 0..<futureDecisions {
            limiter.decide(batch[index % batch.count], on: loop).assumeIsolated().whenSuccess {
                if $0?.allowed == true { futureAllowed += 1 }
            }
        }
        let elapsed = seconds(since: futureStart)
        precondition(futureAllowed <= futureDecisions)
        return elapsed
    }.wait()
    print("memory_future_decisions_per_second \(Int(Double(futureDecisions) / futureElapsed))")
}

func runRedis(port: Int, decisions: Int, inFlight: Int) async throws {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let limiter = try RateLimiter(
        configuration: RateLimitConfiguration(policies: policies(), store: .redis(url: "redis://127.0.0.1:\(port)/0")),
        logger: Logger(label: "bench"), eventLoopGroup: group)
    let batch = requests()
    let loop = group.next()
    // Warm the connections and the script cache.
    _ = try await limiter.decide(batch[0], on: loop).get()
    let start = ContinuousClock.now
    var done = 0
    while done < decisions {
        let count = min(inFlight, decisions - done)
        let first = done
        // Decide on the event loop, as the gateway does: commands then pipeline without thread hops.
        _ = try await loop.flatSubmit {
            let futures = (0..<count).map { offset in limiter.decide(batch[(first + offset) % batch.count], on: loop) }
            return EventLoopFuture.whenAllSucceed(futures, on: loop)
        }.get()
        done += count
    }
    let elapsed = seconds(since: start)
    print("redis_decisions_per_second \(Int(Double(decisions) / elapsed)) decisions=\(decisions) in_flight=\(inFlight)")
    await limiter.shutdown()
    try await group.shutdownGracefully()
}

let arguments = CommandLine.arguments.dropFirst()
switch arguments.first {
case "script-sha":
    print(GCRAScript.sha1)
case "script":
    print(GCRAScript.source)
case "memory":
    try runMemory(decisions: arguments.dropFirst().first.flatMap { Int($0) } ?? defaultMemoryDecisions)
case "redis":
    guard let port = arguments.dropFirst().first.flatMap({ Int($0) }) else {
        fatalError("usage: RateLimitBenchmark redis PORT [DECISIONS] [IN_FLIGHT]")
    }
    let rest = Array(arguments.dropFirst(2))
    try await runRedis(
        port: port, decisions: rest.first.flatMap { Int($0) } ?? defaultRedisDecisions,
        inFlight: rest.dropFirst().first.flatMap { Int($0) } ?? defaultInFlight)
default:
    print("usage: RateLimitBenchmark memory [DECISIONS] | redis PORT [DECISIONS] [IN_FLIGHT]")
}
