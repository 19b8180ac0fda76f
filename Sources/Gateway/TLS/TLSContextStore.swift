import Foundation
import NIOCore
import NIOSSL
import ShipshapeCore
import Synchronization
import X509

/// The gateway's TLS contexts: built from the configured certificates, chosen per connection by SNI, and
/// replaced atomically on reload (SIGHUP) so new handshakes use new certificates while open connections
/// carry on.
public final class TLSContextStore: Sendable {
    /// ECDHE + AEAD suites only, for `min_version: "1.2"` (the library default also allows CBC and RSA kex).
    static let intermediateCipherSuites: [NIOTLSCipher] = [
        .TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, .TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        .TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, .TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        .TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, .TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    ]

    /// A loaded certificate chain with its key and the names it covers.
    struct Identity: Sendable {
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        let names: [String]

        func covers(_ host: String) -> Bool {
            names.contains { name in
                if name == host { return true }
                if name.hasPrefix("*."), let dot = host.firstIndex(of: ".") {
                    return host[dot...] == name.dropFirst()
                }
                return false
            }
        }
    }

    struct Contexts: Sendable {
        let context: NIOSSLContext
        let identities: [Identity]
    }

    let configuration: ShipshapeCore.TLSConfiguration
    let resolvePath: @Sendable (String) -> String
    let current: Mutex<Contexts>
    /// The certificate obtained through ACME, once there is one.
    let acquired = Mutex<Identity?>(nil)

    /// Loads every certificate; fails with the file that could not be read.
    public init(configuration: ShipshapeCore.TLSConfiguration, resolvePath: @escaping @Sendable (String) -> String) throws {
        self.configuration = configuration
        self.resolvePath = resolvePath
        current = Mutex(try Self.build(configuration: configuration, resolvePath: resolvePath, generated: nil, acquired: nil))
    }

    /// The context for a new connection.
    var context: NIOSSLContext { current.withLock { $0.context } }

    /// Re-reads certificate files; on failure the old certificates stay in use and the error is returned.
    public func reload() throws {
        let previous = current.withLock { $0 }
        let generated = configuration.certificates.isEmpty ? previous.identities.last : nil
        let contexts = try Self.build(
            configuration: configuration, resolvePath: resolvePath, generated: generated, acquired: acquired.withLock { $0 })
        current.withLock { $0 = contexts }
    }

    /// Serves a certificate obtained through ACME (PEM chain and key) from the next handshake on.
    func install(chainPEM: String, keyPEM: String) throws {
        let chain = try NIOSSLCertificate.fromPEMBytes(Array(chainPEM.utf8))
        guard let leaf = chain.first else { throw TLSSetupError.unreadable(path: "ACME certificate", reason: "no certificate") }
        let identity = Identity(
            chain: chain, key: try NIOSSLPrivateKey(bytes: Array(keyPEM.utf8), format: .pem), names: try Self.names(of: leaf))
        acquired.withLock { $0 = identity }
        let contexts = try Self.build(configuration: configuration, resolvePath: resolvePath, generated: nil, acquired: identity)
        current.withLock { $0 = contexts }
    }

    /// Certificates served, by names covered (for status and tests).
    public var servedNames: [[String]] { current.withLock { $0.identities.map(\.names) } }

    static func build(
        configuration: ShipshapeCore.TLSConfiguration, resolvePath: (String) -> String, generated: Identity?,
        acquired: Identity?
    ) throws -> Contexts {
        var identities: [Identity] = []
        for pair in configuration.certificates {
            identities.append(try loadIdentity(cert: resolvePath(pair.cert), key: resolvePath(pair.key)))
        }
        if let acquired { identities.append(acquired) }
        // Until ACME delivers, its names are served with a generated certificate (clients see an untrusted one
        // for a moment rather than a refused connection).
        let generatedNames = configuration.selfSigned.isEmpty ? configuration.acme?.domains ?? [] : configuration.selfSigned
        if identities.isEmpty, let generated {
            identities.append(generated)
        } else if identities.isEmpty, !generatedNames.isEmpty {
            let generated = try SelfSignedCertificate(names: generatedNames)
            identities.append(
                Identity(
                    chain: try NIOSSLCertificate.fromPEMBytes(Array(generated.certificatePEM.utf8)),
                    key: try NIOSSLPrivateKey(bytes: Array(generated.privateKeyPEM.utf8), format: .pem),
                    names: generatedNames))
        }
        guard let primary = identities.first else { throw TLSSetupError.noCertificates }
        var tls = NIOSSL.TLSConfiguration.makeServerConfiguration(
            certificateChain: primary.chain.map { .certificate($0) }, privateKey: .privateKey(primary.key))
        switch configuration.minVersion {
        case .tls13:
            tls.minimumTLSVersion = .tlsv13
        case .tls12:
            tls.minimumTLSVersion = .tlsv12
            tls.cipherSuiteValues = intermediateCipherSuites
        }
        tls.applicationProtocols = ["h2", "http/1.1"]
        let others = identities
        if others.count > 1 {
            tls.sslContextCallback = { values, promise in
                guard let host = values.serverHostname?.lowercased(),
                    let identity = others.first(where: { $0.covers(host) })
                else {
                    promise.succeed(.noChanges)
                    return
                }
                var override = NIOSSLContextConfigurationOverride()
                override.certificateChain = identity.chain.map { .certificate($0) }
                override.privateKey = .privateKey(identity.key)
                promise.succeed(override)
            }
        }
        return Contexts(context: try NIOSSLContext(configuration: tls), identities: identities)
    }

    static func loadIdentity(cert: String, key: String) throws -> Identity {
        let chain: [NIOSSLCertificate]
        let privateKey: NIOSSLPrivateKey
        do {
            chain = try NIOSSLCertificate.fromPEMFile(cert)
        } catch {
            throw TLSSetupError.unreadable(path: cert, reason: "\(error)")
        }
        do {
            privateKey = try NIOSSLPrivateKey(file: key, format: .pem)
        } catch {
            throw TLSSetupError.unreadable(path: key, reason: "\(error)")
        }
        guard let leaf = chain.first else { throw TLSSetupError.unreadable(path: cert, reason: "no certificate in file") }
        // BoringSSL checks the pair only for the first certificate, when the context is made; one chosen by SNI
        // would fail at its first handshake. Every pair is checked here, where the error can name both files.
        if let keyPEM = try? String(contentsOfFile: key, encoding: .utf8),
            let parsedKey = try? Certificate.PrivateKey(pemEncoded: keyPEM),
            let parsedLeaf = try? Certificate(derEncoded: try leaf.toDERBytes()),
            parsedKey.publicKey != parsedLeaf.publicKey
        {
            throw TLSSetupError.keyMismatch(cert: cert, key: key)
        }
        return Identity(chain: chain, key: privateKey, names: try names(of: leaf))
    }

    /// The DNS names (SANs, else the CN) a certificate covers.
    static func names(of certificate: NIOSSLCertificate) throws -> [String] {
        let parsed = try Certificate(derEncoded: try certificate.toDERBytes())
        var names: [String] = []
        if let alternatives = try parsed.extensions.subjectAlternativeNames {
            for name in alternatives {
                if case .dnsName(let dns) = name { names.append(dns.lowercased()) }
            }
        }
        if names.isEmpty {
            for rdn in parsed.subject {
                for attribute in rdn where attribute.type == .RDNAttributeType.commonName {
                    names.append("\(attribute.value)".lowercased())
                }
            }
        }
        return names
    }
}

/// Why TLS could not be set up.
public enum TLSSetupError: UserFacingError {
    /// Neither files nor self_signed nor ACME gave a certificate.
    case noCertificates
    /// A certificate or key file could not be read or parsed.
    case unreadable(path: String, reason: String)
    /// The key is not the private key of the certificate (the leaf: the first certificate of the file).
    case keyMismatch(cert: String, key: String)

    public var userMessage: String {
        switch self {
        case .noCertificates:
            "no TLS certificate is configured; set gateway.tls.certificates or gateway.tls.self_signed"
        case .unreadable(let path, let reason):
            "cannot load \(path): \(reason); check the file exists, is PEM, and that cert and key match"
        case .keyMismatch(let cert, let key):
            "\(key) is not the private key of the certificate in \(cert); compare `openssl x509 -noout -pubkey -in CERT` "
                + "with `openssl pkey -pubout -in KEY`"
        }
    }
}
