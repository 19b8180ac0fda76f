import AsyncHTTPClient
import Backup
import Deploy
import Foundation
import ShipshapeCore
import X509

/// Gathers `shipshape status`: the gateway's services and their colors, certificate expiry, free disk space
/// where state and backups live, and the age and verification of the newest backup.
public struct StatusCollector: Sendable {
    /// When a finding becomes a warning or critical.
    public struct Thresholds: Sendable {
        /// Days before a certificate's expiry that warn (a renewal should have happened by then).
        public var certificateWarningDays = 21.0
        /// Days before expiry that are critical.
        public var certificateCriticalDays = 7.0
        /// Fraction of a filesystem in use that warns.
        public var diskWarning = 0.80
        /// Fraction in use that is critical.
        public var diskCritical = 0.90

        /// The defaults.
        public init() {}
    }

    static let secondsPerDay = 86_400.0

    let configuration: ShipshapeConfiguration
    let httpClient: HTTPClient
    let thresholds: Thresholds

    /// A collector for `configuration`, talking to the gateway through `httpClient`.
    public init(configuration: ShipshapeConfiguration, httpClient: HTTPClient, thresholds: Thresholds = Thresholds()) {
        self.configuration = configuration
        self.httpClient = httpClient
        self.thresholds = thresholds
    }

    /// Every check, in the order printed.
    public func collect(now: Date = Date()) async -> StatusReport {
        var checks = configuration.proxiesTraffic ? await services() : []
        checks += certificates(now: now)
        checks += disks()
        if let backup = configuration.backup { checks += await backups(backup, now: now) }
        return StatusReport(generatedAt: now, checks: checks)
    }

    // MARK: - Services

    func services() async -> [StatusReport.Check] {
        let socket = configuration.resolve(configuration.gateway.admin.socket)
        let states: [GatewayServiceState]
        do {
            states = try await AdminClient(socketPath: socket, httpClient: httpClient).services()
        } catch {
            return [.init(kind: "gateway", name: socket, level: .critical, detail: "not answering on its admin socket: \(error)")]
        }
        return states.sorted { $0.name < $1.name }.map { state in
            let active = state.targets.filter { $0.color == state.activeColor }
            let healthy = active.filter { $0.state == "healthy" }.count
            var detail = "\(state.activeColor.rawValue) active, \(healthy)/\(active.count) healthy"
            let other = state.activeColor.other
            let inactive = state.targets(of: other)
            if !inactive.isEmpty {
                // Only a healthy target of the other color stands by; a stopped one is down, not a standby.
                let described = Self.inactiveStates.compactMap { state, word -> String? in
                    let count = inactive.filter { $0.state == state }.count
                    return count == 0 ? nil : "\(count) \(other.rawValue) \(word)"
                }
                detail += "; " + described.joined(separator: ", ")
            }
            let level: StatusReport.Level = healthy == 0 ? .critical : (healthy < active.count ? .warning : .ok)
            return .init(kind: "service", name: state.name, level: level, detail: level == .critical ? "no healthy target: " + detail : detail)
        }
    }

    /// How targets of the inactive color are described, by their gateway state.
    static let inactiveStates = [
        ("healthy", "standing by"), ("adding", "starting"), ("draining", "draining"), ("unhealthy", "down"),
    ]

    // MARK: - Certificates

    func certificates(now: Date) -> [StatusReport.Check] {
        let tls = configuration.gateway.tls
        guard configuration.gateway.https != nil else { return [] }
        var checks = tls.certificates.map { pair in
            certificate(at: configuration.resolve(pair.cert), now: now, missing: .critical)
        }
        if let acme = tls.acme {
            let stateDirectory = (configuration.resolve(configuration.gateway.admin.effectiveStateFile) as NSString).deletingLastPathComponent
            let cache = configuration.resolve(acme.cache ?? (stateDirectory.isEmpty ? "." : stateDirectory) + "/acme")
            checks.append(certificate(at: cache + "/certificate.pem", now: now, missing: .warning))
        }
        return checks
    }

    func certificate(at path: String, now: Date, missing: StatusReport.Level) -> StatusReport.Check {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            return .init(kind: "certificate", name: path, level: missing, detail: "not found (ACME fills it after the first issuance)")
        }
        guard let leaf = Self.firstCertificate(in: text) else {
            return .init(kind: "certificate", name: path, level: .critical, detail: "not a PEM certificate")
        }
        let days = leaf.notValidAfter.timeIntervalSince(now) / Self.secondsPerDay
        let names = ((try? leaf.extensions.subjectAlternativeNames) ?? nil)?.compactMap { name -> String? in
            if case .dnsName(let dns) = name { return dns }
            return nil
        } ?? []
        let level: StatusReport.Level =
            days < thresholds.certificateCriticalDays ? .critical : (days < thresholds.certificateWarningDays ? .warning : .ok)
        func count(_ value: Double) -> String { Int(value) == 1 ? "1 day" : "\(Int(value)) days" }
        let expiry = days < 0 ? "expired \(count(-days)) ago" : "expires in \(count(days))"
        // The names it serves: its DNS SANs, else its subject (a CN-only certificate).
        let served = names.isEmpty ? leaf.subject.description : names.joined(separator: ", ")
        return .init(kind: "certificate", name: path, level: level, detail: served.isEmpty ? expiry : "\(expiry) (\(served))")
    }

    /// The first certificate of a PEM file (a chain's leaf).
    public static func firstCertificate(in pem: String) -> Certificate? {
        let end = "-----END CERTIFICATE-----"
        guard let range = pem.range(of: end) else { return nil }
        return try? Certificate(pemEncoded: String(pem[..<range.upperBound]))
    }

    // MARK: - Disks

    func disks() -> [StatusReport.Check] {
        var directories: [String] = []
        if configuration.proxiesTraffic {
            directories.append((configuration.resolve(configuration.gateway.admin.effectiveStateFile) as NSString).deletingLastPathComponent)
        }
        if let store = configuration.backup?.store, !store.hasPrefix("s3://") { directories.append(configuration.resolve(store)) }
        var seen: Set<UInt> = []
        var checks: [StatusReport.Check] = []
        for directory in directories {
            var stats = statvfs()
            guard statvfs(directory.isEmpty ? "." : directory, &stats) == 0 else {
                checks.append(.init(kind: "disk", name: directory, level: .warning, detail: "cannot be read (missing?)"))
                continue
            }
            guard seen.insert(UInt(stats.f_fsid)).inserted else { continue }  // one line per filesystem
            let total = Double(stats.f_blocks) * Double(stats.f_frsize)
            let free = Double(stats.f_bavail) * Double(stats.f_frsize)
            let used = total > 0 ? 1 - free / total : 0
            let level: StatusReport.Level = used >= thresholds.diskCritical ? .critical : (used >= thresholds.diskWarning ? .warning : .ok)
            checks.append(.init(
                kind: "disk", name: directory, level: level,
                detail: "\(Int((used * 100).rounded())) % used, \(ByteSize(bytes: Int(free)).description) free"))
        }
        return checks
    }

    // MARK: - Backups

    func backups(_ backup: BackupConfiguration, now: Date) async -> [StatusReport.Check] {
        let entries: [BackupCatalog.Entry]
        let damaged: [BackupCatalog.Damaged]
        do {
            let settings = try BackupSettings(configuration)
            (entries, damaged) = try await BackupCatalog(store: try settings.makeStore(), project: configuration.project).listing()
        } catch {
            return [.init(kind: "backup", name: backup.store, level: .critical, detail: "the store cannot be listed: \(error)")]
        }
        // Entries come newest first, in the order list and prune use.
        guard let newest = entries.first else {
            return [.init(kind: "backup", name: backup.store, level: .critical, detail: "no backup yet (shipshape backup run)")]
        }
        let age = now.timeIntervalSince(newest.manifest.createdAt)
        var level = StatusReport.Level.ok
        var detail = "newest \(newest.manifest.id), \(ElapsedText.describe(age)) old"
        if let interval = backup.schedule.flatMap(Self.interval(of:)) {
            if age > 2 * interval {
                level = .critical
                detail += ", two or more scheduled runs missed"
            } else if age > interval * 1.5 {
                level = .warning
                detail += ", the last scheduled run is missing"
            }
        }
        var checks = [StatusReport.Check(kind: "backup", name: backup.store, level: level, detail: detail)]
        for item in damaged {
            checks.append(.init(kind: "backup", name: item.id, level: .warning, detail: "skipped: \(item.problem)"))
        }
        let verified = entries.first { $0.verification != nil }
        if let verification = verified?.verification {
            checks.append(.init(
                kind: "backup", name: "verification", level: verification.passed ? .ok : .critical,
                detail: "\(verification.id) \(verification.passed ? "restored and checked" : "FAILED") \(ElapsedText.describe(now.timeIntervalSince(verification.verifiedAt))) ago"))
        } else if backup.verifySchedule != nil {
            checks.append(.init(kind: "backup", name: "verification", level: .warning, detail: "no backup has been verified yet (shipshape backup verify)"))
        }
        return checks
    }

    /// The time between two runs of a cron schedule (from the next two run times).
    static func interval(of schedule: String) -> TimeInterval? {
        guard let cron = try? CronExpression(schedule), let first = cron.next(after: Date()), let second = cron.next(after: first) else {
            return nil
        }
        return second.timeIntervalSince(first)
    }
}
