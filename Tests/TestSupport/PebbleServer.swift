import Foundation

/// Let's Encrypt's ACME test server (Debian's `pebble`) started by a test, with `pebble-challtestsrv` as its DNS
/// server answering 127.0.0.1 for every name, so HTTP-01 validation really connects to `httpPort` on loopback.
public final class PebbleServer: Sendable {
    /// The ACME directory URL.
    public let directoryURL: String
    /// The PEM file of the certificate Pebble's API serves (trust it as the directory's CA).
    public let apiCertificate: String
    /// The port Pebble connects to for HTTP-01 challenges.
    public let httpPort: Int
    /// Pebble's management interface (its root and intermediate CAs).
    public let managementURL: String
    let children: [SpawnedProcess]
    let directory: TemporaryDirectory

    /// Starts Pebble validating HTTP-01 challenges against `httpPort` on 127.0.0.1, and waits for it without
    /// holding a thread of the cooperative pool.
    public init(httpPort: Int) async throws {
        for program in ["pebble", "pebble-challtestsrv", "openssl"] where !ProcessRunner.isInstalled(program) {
            throw TestSupportError(message: "\(program) is not installed; run scripts/install-gateway-deps.sh")
        }
        directory = try TemporaryDirectory(prefix: "pebble")
        self.httpPort = httpPort
        let (api, management, dns, challengeManagement, tlsPort) = (
            try ProcessRunner.freePort(), try ProcessRunner.freePort(), try ProcessRunner.freePort(),
            try ProcessRunner.freePort(), try ProcessRunner.freePort()
        )
        apiCertificate = "\(directory.path)/api.pem"
        let key = "\(directory.path)/api.key"
        let openssl = try await ProcessRunner.run([
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout", key, "-out", apiCertificate,
        ])
        guard openssl.status == 0 else { throw TestSupportError(message: "openssl: \(openssl.stderr)") }
        _ = try directory.write(
            "pebble.json",
            """
            {"pebble": {"listenAddress": "127.0.0.1:\(api)", "managementListenAddress": "127.0.0.1:\(management)",
              "certificate": "\(apiCertificate)", "privateKey": "\(key)", "httpPort": \(httpPort), "tlsPort": \(tlsPort),
              "ocspResponderURL": "", "externalAccountBindingRequired": false}}
            """)
        let dnsServer = try SpawnedProcess(
            [
                "pebble-challtestsrv", "-dns01", "127.0.0.1:\(dns)", "-defaultIPv4", "127.0.0.1", "-defaultIPv6", "",
                "-http01", "", "-https01", "", "-tlsalpn01", "", "-management", "127.0.0.1:\(challengeManagement)",
            ],
            stdout: "\(directory.path)/challtestsrv.log", stderr: "\(directory.path)/challtestsrv.log")
        // No sleeping between validation attempts; Pebble still rejects 5 % of nonces, which clients must retry.
        let pebble = try SpawnedProcess(
            ["pebble", "-config", "\(directory.path)/pebble.json", "-dnsserver", "127.0.0.1:\(dns)"],
            environment: ["PEBBLE_VA_NOSLEEP": "1"],
            stdout: "\(directory.path)/pebble.log", stderr: "\(directory.path)/pebble.log")
        children = [pebble, dnsServer]
        directoryURL = "https://127.0.0.1:\(api)/dir"
        managementURL = "https://127.0.0.1:\(management)"
        for _ in 0..<100 {
            if (try? await ProcessRunner.run(["curl", "-s", "-f", "--cacert", apiCertificate, "-o", "/dev/null", directoryURL]).status) == 0 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        stop()
        throw TestSupportError(message: "pebble did not start: \(log)")
    }

    /// What Pebble printed (its validation attempts and errors).
    public var log: String {
        (try? String(contentsOfFile: "\(directory.path)/pebble.log", encoding: .utf8)) ?? ""
    }

    /// Pebble's current root CA, PEM (regenerated at every start).
    public func rootCertificate() throws -> String {
        try ProcessRunner.run(["curl", "-s", "-f", "--cacert", apiCertificate, "\(managementURL)/roots/0"]).stdout
    }

    /// Stops both servers and removes their files.
    public func stop() {
        for child in children {
            child.signal(SIGKILL)
            child.wait()
        }
        directory.remove()
    }
}
