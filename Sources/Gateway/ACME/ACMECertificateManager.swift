import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import NIOCore
import NIOSSL
import ShipshapeCore
import SwiftASN1
import X509

/// Keeps an ACME certificate for `tls.acme.domains`: serves the cached one at start when it is still good,
/// obtains a new one when there is none or it expires within `renewBefore`, and checks again periodically.
/// The account key and the certificate live in the cache directory (files mode 0600).
final class ACMECertificateManager: Sendable {
    /// A certificate is renewed when it has less than this left (Let's Encrypt's are valid 90 days).
    static let renewBefore: TimeInterval = 30 * 24 * 3600
    /// How often the certificate's remaining life is checked.
    static let checkInterval: Duration = .seconds(12 * 3600)
    /// The first wait after a failed attempt; it doubles up to `maximumRetryDelay`.
    static let firstRetryDelay: Duration = .seconds(30)
    static let maximumRetryDelay: Duration = .seconds(3600)
    /// Owner read/write only: the keys are secrets.
    static let fileMode: mode_t = 0o600

    let settings: ShipshapeCore.TLSConfiguration.ACME
    let cacheDirectory: String
    let store: TLSContextStore
    let challenges: ACMEChallenges
    let group: any EventLoopGroup
    let logger: Logger

    var accountKeyPath: String { cacheDirectory + "/account.key" }
    var certificatePath: String { cacheDirectory + "/certificate.pem" }
    var keyPath: String { cacheDirectory + "/certificate.key" }

    init(
        settings: ShipshapeCore.TLSConfiguration.ACME, cacheDirectory: String, store: TLSContextStore,
        challenges: ACMEChallenges, group: any EventLoopGroup, logger: Logger
    ) {
        self.settings = settings
        self.cacheDirectory = cacheDirectory
        self.store = store
        self.challenges = challenges
        self.group = group
        self.logger = logger
    }

    /// Serves the cached certificate if it covers the domains and has not expired; returns its expiry.
    @discardableResult
    func installCached() -> Date? {
        guard let chain = try? String(contentsOfFile: certificatePath, encoding: .utf8),
            let key = try? String(contentsOfFile: keyPath, encoding: .utf8),
            let leaf = Self.leaf(of: chain),
            leaf.notValidAfter > Date(), covers(leaf)
        else { return nil }
        do {
            try store.install(chainPEM: chain, keyPEM: key)
            return leaf.notValidAfter
        } catch {
            logger.warning("the cached ACME certificate could not be loaded", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// Renews whenever needed until cancelled.
    func run() async {
        var retryDelay = Self.firstRetryDelay
        while !Task.isCancelled {
            do {
                try await renewIfNeeded()
                retryDelay = Self.firstRetryDelay
                try await Task.sleep(for: Self.checkInterval)
            } catch is CancellationError {
                return
            } catch {
                logger.error(
                    "could not obtain a certificate through ACME",
                    metadata: ["error": "\(error)", "retry_in_seconds": "\(retryDelay.components.seconds)"])
                try? await Task.sleep(for: retryDelay)
                retryDelay = min(retryDelay * 2, Self.maximumRetryDelay)
            }
        }
    }

    /// Obtains a new certificate unless the served one is good for longer than `renewBefore`.
    func renewIfNeeded() async throws {
        if let expiry = installCached(), expiry.timeIntervalSinceNow > Self.renewBefore { return }
        try FileManager.default.createDirectory(atPath: cacheDirectory, withIntermediateDirectories: true)
        let accountKey = try loadOrCreateAccountKey()
        let certificateKey = P256.Signing.PrivateKey()
        let http = HTTPClient(eventLoopGroup: group, configuration: try httpConfiguration())
        let chain: String
        do {
            var client = ACMEClient(http: http, directoryURL: settings.directory, accountKey: accountKey)
            logger.info("requesting a certificate", metadata: ["domains": "\(settings.domains.joined(separator: ","))", "directory": "\(settings.directory)"])
            chain = try await client.obtainCertificate(
                domains: settings.domains, email: settings.email, certificateKey: certificateKey, challenges: challenges)
            try await http.shutdown()
        } catch {
            try? await http.shutdown()
            throw error
        }
        let keyPEM = certificateKey.pemRepresentation
        try store.install(chainPEM: chain, keyPEM: keyPEM)
        try write(keyPEM, to: keyPath)
        try write(chain, to: certificatePath)
        let expiry = Self.leaf(of: chain)?.notValidAfter
        logger.info("certificate obtained", metadata: ["domains": "\(settings.domains.joined(separator: ","))", "not_after": "\(expiry.map { "\($0)" } ?? "?")"])
    }

    /// The first certificate of a PEM chain.
    static func leaf(of chain: String) -> Certificate? {
        guard let first = try? PEMDocument.parseMultiple(pemString: chain).first else { return nil }
        return try? Certificate(derEncoded: first.derBytes)
    }

    func covers(_ certificate: Certificate) -> Bool {
        let names = (try? certificate.extensions.subjectAlternativeNames)??.compactMap { name -> String? in
            if case .dnsName(let dns) = name { return dns.lowercased() }
            return nil
        } ?? []
        return settings.domains.allSatisfy { names.contains($0.lowercased()) }
    }

    func loadOrCreateAccountKey() throws -> P256.Signing.PrivateKey {
        if let pem = try? String(contentsOfFile: accountKeyPath, encoding: .utf8) {
            return try P256.Signing.PrivateKey(pemRepresentation: pem)
        }
        let key = P256.Signing.PrivateKey()
        try write(key.pemRepresentation, to: accountKeyPath)
        return key
    }

    func httpConfiguration() throws -> HTTPClient.Configuration {
        var tls = NIOSSL.TLSConfiguration.makeClientConfiguration()
        if let caFile = settings.caFile {
            tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
        }
        return HTTPClient.Configuration(tlsConfiguration: tls)
    }

    /// Writes a file atomically with mode 0600 (a crash never leaves half a key behind).
    func write(_ text: String, to path: String) throws {
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8), attributes: [.posixPermissions: Self.fileMode]) else {
            throw ACMEError.cacheUnwritable(path)
        }
        guard rename(temporary, path) == 0 else { throw ACMEError.cacheUnwritable(path) }
    }
}
