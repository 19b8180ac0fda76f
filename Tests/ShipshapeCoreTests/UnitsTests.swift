import ShipshapeCore
import Testing

@Suite("units and addresses")
struct UnitsTests {
    @Test("durations parse with every unit and combinations", arguments: [
        ("500ms", Duration.milliseconds(500)), ("10s", .seconds(10)), ("5m", .seconds(300)), ("1h", .seconds(3600)),
        ("1m30s", .seconds(90)), ("1.5s", .milliseconds(1500)),
    ])
    func durations(text: String, expected: Duration) {
        #expect(Duration(configText: text) == expected)
    }

    @Test("malformed durations are rejected", arguments: ["", "10", "ten s", "5 parsecs", "-1s"])
    func badDurations(text: String) {
        #expect(Duration(configText: text) == nil)
    }

    @Test("sizes are powers of 1024")
    func sizes() {
        #expect(ByteSize(configText: "16KB")?.bytes == 16 * 1024)
        #expect(ByteSize(configText: "10MB")?.bytes == 10 * 1024 * 1024)
        #expect(ByteSize(configText: "1GB")?.bytes == 1 << 30)
        #expect(ByteSize(configText: "512")?.bytes == 512)
        #expect(ByteSize(configText: "12 furlongs") == nil)
        #expect(ByteSize.megabytes(10).description == "10MB")
    }

    @Test("rates read count per period")
    func rates() {
        #expect(Rate(configText: "10/m") == .limited(count: 10, period: .seconds(60)))
        #expect(Rate(configText: "100/s") == .limited(count: 100, period: .seconds(1)))
        #expect(Rate(configText: "5/10s") == .limited(count: 5, period: .seconds(10)))
        #expect(Rate(configText: "unlimited") == .unlimited)
        #expect(Rate(configText: "0/m") == nil)
        #expect(Rate(configText: "10 per minute") == nil)
    }

    @Test("host:port addresses, IPv6 in brackets")
    func hostPorts() {
        #expect(HostPort(configText: "0.0.0.0:443") == HostPort(host: "0.0.0.0", port: 443))
        #expect(HostPort(configText: "[::1]:80") == HostPort(host: "::1", port: 80))
        #expect(HostPort(configText: ":8080") == HostPort(host: "0.0.0.0", port: 8080))
        #expect(HostPort(configText: "app") == nil)
        #expect(HostPort(configText: "app:99999") == nil)
    }

    @Test("CIDRs match the addresses inside them only")
    func cidrs() throws {
        let private10 = try #require(CIDR("10.0.0.0/8"))
        #expect(private10.contains("10.1.2.3"))
        #expect(!private10.contains("11.0.0.1"))
        #expect(private10.contains("::ffff:10.0.0.1"))
        let loopback6 = try #require(CIDR("::1/128"))
        #expect(loopback6.contains("::1"))
        #expect(!loopback6.contains("::2"))
        #expect(CIDR("10.0.0.0/33") == nil)
        #expect(CIDR("not-an-ip") == nil)
        #expect(try #require(CIDR("192.168.0.0/16")).contains("192.168.255.1"))
    }

    @Test("elapsed times read in the unit a person expects", arguments: [
        (0.0, "0 s"), (-3, "0 s"), (119, "119 s"), (120, "2 min"), (7199, "119 min"), (7200, "2 h"), (172_799, "47 h"),
        (172_800, "2 days"), (86_400 * 400, "400 days"),
    ] as [(Double, String)])
    func elapsed(seconds: Double, text: String) {
        #expect(ElapsedText.describe(seconds) == text)
    }
}
