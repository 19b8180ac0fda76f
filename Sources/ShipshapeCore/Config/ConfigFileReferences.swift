import Foundation
import Yams

/// A file or directory the configuration names: a certificate, a key, a secret, a path to back up.
public struct ConfigFileReference: Sendable, Equatable {
    /// What the configuration expects to find there.
    public enum Kind: Sendable, Equatable {
        /// A readable file.
        case file
        /// A readable file or directory (a files backup source).
        case fileOrDirectory
        /// A readable file holding a secret on one line (a passphrase or password): empty is an error.
        case secret
    }

    /// Where in the configuration it is named, as `ConfigNode` key path components (`["gateway", "tls",
    /// "certificates", "[0]", "cert"]`).
    public var path: [String]
    /// The path as written.
    public var written: String
    /// The path resolved against the configuration's directory.
    public var resolved: String
    /// What is expected there.
    public var kind: Kind

    /// The dotted key path, such as `gateway.tls.certificates[0].cert`.
    public var keyPath: String { ConfigNode.keyPath(path) }
}

extension ShipshapeConfiguration {
    /// Every file and directory the configuration names, in document order: certificates and keys, the ACME
    /// CA bundle, JWT keys, the backup's passphrase, identity and password files, and the host paths it backs up.
    /// The state file, the admin socket and the backup store are left out: Shipshape creates them.
    public var fileReferences: [ConfigFileReference] {
        var references: [ConfigFileReference] = []
        func add(_ path: [String], _ written: String, _ kind: ConfigFileReference.Kind = .file) {
            references.append(ConfigFileReference(path: path, written: written, resolved: resolve(written), kind: kind))
        }
        let tls = ["gateway", "tls"]
        for (index, certificate) in gateway.tls.certificates.enumerated() {
            add(tls + ["certificates", "[\(index)]", "cert"], certificate.cert)
            add(tls + ["certificates", "[\(index)]", "key"], certificate.key)
        }
        if let caFile = gateway.tls.acme?.caFile { add(tls + ["acme", "ca_file"], caFile) }
        let jwt = gateway.rateLimits.jwt
        for (index, file) in jwt.hmacSecretFiles.enumerated() {
            add(["gateway", "jwt", "hs256_secret_files", "[\(index)]"], file)
        }
        for (index, file) in jwt.publicKeyFiles.enumerated() {
            add(["gateway", "jwt", "public_key_files", "[\(index)]"], file)
        }
        if let file = jwt.jwksFile { add(["gateway", "jwt", "jwks_file"], file) }
        guard let backup else { return references }
        if case .passphraseFile(let file) = backup.encryption { add(["backup", "encryption", "passphrase_file"], file, .secret) }
        if let file = backup.identityFile { add(["backup", "encryption", "identity_file"], file) }
        for (index, source) in backup.sources.enumerated() {
            let base = ["backup", "sources", "[\(index)]"]
            switch source {
            case .postgres(let postgres):
                if let file = postgres.passwordFile { add(base + ["postgres", "password_file"], file, .secret) }
            case .redis(let redis):
                if let file = redis.passwordFile { add(base + ["redis", "password_file"], file, .secret) }
            case .files(let paths):
                // `SERVICE:/path` entries are inside a container, not on this host.
                for (pathIndex, path) in paths.enumerated() where BackupConfiguration.containerPath(path) == nil {
                    add(base + ["files", "[\(pathIndex)]"], path, .fileOrDirectory)
                }
            }
        }
        return references
    }

    /// The files the configuration names that are missing or cannot be read, each as an error at the line that
    /// names it (`text` is the configuration file's text, for the lines).
    public func unreadableFiles(text: String) -> [ConfigError] {
        let root = try? ConfigNode.parse(yaml: text, file: file)
        return fileReferences.compactMap { reference in
            guard let problem = Self.problem(with: reference) else { return nil }
            let node = root?.descendant(at: reference.path)
            return ConfigError(
                file: file, line: node?.node.mark?.line, column: node?.node.mark?.column, keyPath: reference.keyPath,
                message: problem)
        }
    }

    /// What is wrong with a referenced path, or nil when it can be read.
    static func problem(with reference: ConfigFileReference) -> String? {
        var isDirectory: ObjCBool = false
        let shown = reference.written == reference.resolved ? reference.written : "\(reference.written) (\(reference.resolved))"
        guard FileManager.default.fileExists(atPath: reference.resolved, isDirectory: &isDirectory) else {
            return "\(shown) does not exist"
        }
        if isDirectory.boolValue {
            guard reference.kind == .fileOrDirectory else { return "\(shown) is a directory, not a file" }
            return access(reference.resolved, R_OK | X_OK) == 0 ? nil : "\(shown) cannot be read: \(String(cString: strerror(errno)))"
        }
        let descriptor = open(reference.resolved, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return "\(shown) cannot be read: \(String(cString: strerror(errno)))" }
        close(descriptor)
        if reference.kind == .secret,
            let contents = try? String(contentsOfFile: reference.resolved, encoding: .utf8),
            contents.trimmingCharacters(in: .newlines).isEmpty
        {
            return "\(shown) is empty: write the secret on its one line"
        }
        return nil
    }
}

extension ConfigNode {
    /// The node at `path` below this one (mapping keys and `[index]` list positions), or nil when absent.
    public func descendant(at path: [String]) -> ConfigNode? {
        var current = self
        for component in path {
            if component.hasPrefix("["), component.hasSuffix("]"), let index = Int(component.dropFirst().dropLast()) {
                switch current.node {
                case .sequence(let sequence) where index < sequence.count:
                    current = current.child(sequence[index], component)
                case .scalar where index == 0:
                    continue  // a single value written for a list of one
                default:
                    return nil
                }
            } else {
                guard case .mapping(let mapping) = current.node,
                    let value = mapping.first(where: { $0.key.string == component })?.value
                else { return nil }
                current = current.child(value, component)
            }
        }
        return current
    }
}
