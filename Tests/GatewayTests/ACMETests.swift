import Foundation
import Gateway
import ShipshapeCore
import TestSupport
import Testing

@Suite("gateway: certificates from ACME (Pebble)", .serialized)
struct ACMETests {
    static let domains = ["shop.test", "www.shop.test"]

    /// What `openssl s_client` says about the certificate served for `name` (subject, issuer, verification).
    static func handshake(port: Int, name: String, caFile: String? = nil) async throws -> String {
        var command = ["openssl", "s_client", "-connect", "127.0.0.1:\(port)", "-servername", name]
        if let caFile { command += ["-CAfile", caFile, "-verify_hostname", name] }
        return try await ProcessRunner.run(command, input: Data()).stdout
    }

    static func configure(_ config: inout ShipshapeConfiguration, httpPort: Int, pebble: PebbleServer, cache: String) {
        config.gateway.http = HostPort(host: "127.0.0.1", port: httpPort)
        config.gateway.tls = TLSConfiguration(
            minVersion: .tls13,
            acme: .init(email: "ops@shop.test", domains: domains, directory: pebble.directoryURL, caFile: pebble.apiCertificate, cache: cache))
    }

    /// Pebble and a gateway whose plain listener is on Pebble's HTTP-01 port. The port is chosen before either
    /// binds it, so a parallel test can take it first: then both start again on another one.
    static func startPebbleAndGateway(cache: String) async throws -> (PebbleServer, GatewayHarness) {
        var lastError: (any Error)?
        for _ in 0..<3 {
            let httpPort = try ProcessRunner.freePort()
            let pebble = try await PebbleServer(httpPort: httpPort)
            do {
                let gateway = try await GatewayHarness.start(tls: true) { config, _ in
                    Self.configure(&config, httpPort: httpPort, pebble: pebble, cache: cache)
                }
                return (pebble, gateway)
            } catch {
                pebble.stop()
                lastError = error
            }
        }
        throw lastError ?? TestSupportError(message: "could not start Pebble and the gateway")
    }

    @Test("obtains a certificate through HTTP-01 on the plain listener, serves it, and serves it from the cache after a restart")
    func obtainsAndCaches() async throws {
        let directory = try TemporaryDirectory(prefix: "acme")
        defer { directory.remove() }
        let cache = "\(directory.path)/acme-cache"
        let (pebble, gateway) = try await Self.startPebbleAndGateway(cache: cache)
        let root = try directory.write("pebble-root.pem", try pebble.rootCertificate())
        do {
            var served = ""
            for _ in 0..<120 {
                served = try await Self.handshake(port: gateway.httpsPort, name: "shop.test", caFile: root)
                if served.contains("Pebble Intermediate CA") { break }
                try await Task.sleep(for: .milliseconds(250))
            }
            #expect(served.contains("Pebble Intermediate CA"), "still not issued; pebble said:\n\(pebble.log.suffix(2000))")
            #expect(served.contains("Verify return code: 0 (ok)"), "the chain verifies against Pebble's root for the name")
            let www = try await Self.handshake(port: gateway.httpsPort, name: "www.shop.test", caFile: root)
            #expect(www.contains("Verify return code: 0 (ok)"), "every domain is in the certificate")

            let response = try await CurlResponse.run([
                "--cacert", root, "--resolve", "shop.test:\(gateway.httpsPort):127.0.0.1", "https://shop.test:\(gateway.httpsPort)/api/hello",
            ])
            #expect(response.status == 200, "a client trusting the CA reaches the app")

            for file in ["account.key", "certificate.key", "certificate.pem"] {
                let attributes = try FileManager.default.attributesOfItem(atPath: "\(cache)/\(file)")
                #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600, "\(file) is a secret")
            }
            let challenges = try gateway.accessLog().filter { ($0["path"] as? String)?.hasPrefix("/.well-known/acme-challenge/") == true }
            #expect(!challenges.isEmpty && challenges.allSatisfy { $0["status"] as? Int == 200 }, "Pebble fetched the tokens from the gateway")
        } catch {
            await gateway.stop()
            pebble.stop()
            throw error
        }
        await gateway.stop()
        pebble.stop()

        try await GatewayHarness.with(tls: true, configure: { config, _ in
            Self.configure(&config, httpPort: 0, pebble: pebble, cache: cache)
        }) { gateway in
            let served = try await Self.handshake(port: gateway.httpsPort, name: "shop.test", caFile: root)
            #expect(served.contains("Verify return code: 0 (ok)"), "with the ACME server gone, the cached certificate is served at once")
        }
    }
}
