import ArgumentParser
import Foundation
import Gateway
import Monitor
import ShipshapeCore

extension ShipshapeCommand {
    /// `shipshape config …`: work with `shipshape.yml`.
    struct Config: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "config",
            abstract: "Work with shipshape.yml.",
            subcommands: [Check.self]
        )
    }
}

extension ShipshapeCommand.Config {
    /// `shipshape config check`: validate the configuration; errors name file:line and the key.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate the configuration file.",
            discussion: """
                Checks the file's syntax, keys and values (reporting every unknown key, and the first bad value \
                of each section), then that every file it names can be read: \
                certificates and keys (which must load as a matching pair), the ACME CA bundle, JWT keys, \
                the backup's passphrase, identity and password files, and the paths it backs up. \
                --syntax-only skips the files (for CI, where certificates and secrets are not present).
                """)

        @OptionGroup var global: GlobalOptions
        @Flag(help: "Print the result as JSON.") var json = false
        @Flag(help: "Check the file alone, not the files it names.") var syntaxOnly = false

        func run() async throws {
            let errors: [ConfigError]
            var configuration: ShipshapeConfiguration?
            switch ShipshapeConfiguration.loadReportingAll(path: global.config) {
            case .success(let loaded):
                configuration = loaded
                errors = syntaxOnly ? [] : Self.fileErrors(loaded)
            case .failure(let problems):
                errors = problems.errors
            }
            if json {
                print(Self.json(configuration: configuration, errors: errors))
            } else if let configuration, errors.isEmpty {
                let services = configuration.services.isEmpty ? "none" : configuration.services.keys.sorted().joined(separator: ", ")
                let files = syntaxOnly ? "" : ", \(configuration.fileReferences.count) referenced files readable"
                print("\(configuration.file): OK — project \(configuration.project), services: \(services)\(files)")
            } else {
                for error in errors { FileHandle.standardError.write(Data("Error: \(error.userMessage)\n".utf8)) }
            }
            if !errors.isEmpty { throw ExitCode.failure }
        }

        /// Every named file that cannot be read, then every certificate pair (with readable files) that does
        /// not load as the gateway would load it.
        static func fileErrors(_ configuration: ShipshapeConfiguration) -> [ConfigError] {
            let text = (try? String(contentsOfFile: configuration.file, encoding: .utf8)) ?? ""
            var errors = configuration.unreadableFiles(text: text)
            let root = try? ConfigNode.parse(yaml: text, file: configuration.file)
            for (index, certificate) in configuration.gateway.tls.certificates.enumerated() {
                let path = ["gateway", "tls", "certificates", "[\(index)]"]
                // A pair with a file already reported missing is not loaded again.
                guard !errors.contains(where: { $0.keyPath.hasPrefix(ConfigNode.keyPath(path) + ".") }) else { continue }
                var single = configuration.gateway.tls
                (single.certificates, single.selfSigned, single.acme) = ([certificate], [], nil)
                let node = root?.descendant(at: path)
                func report(_ message: String) {
                    errors.append(
                        ConfigError(
                            file: configuration.file, line: node?.node.mark?.line, column: node?.node.mark?.column,
                            keyPath: node?.keyPath ?? "", message: message))
                }
                do {
                    _ = try TLSContextStore(configuration: single, resolvePath: { configuration.resolve($0) })
                } catch {
                    report((error as? any UserFacingError)?.userMessage ?? "\(error)")
                    continue
                }
                // It loads, but every client would refuse it.
                let pem = (try? String(contentsOfFile: configuration.resolve(certificate.cert), encoding: .utf8)) ?? ""
                if let leaf = StatusCollector.firstCertificate(in: pem), leaf.notValidAfter < Date() {
                    let date = ISO8601DateFormatter().string(from: leaf.notValidAfter)
                    report("\(certificate.cert) expired on \(date); clients refuse it. Renew it, or use tls.acme")
                }
            }
            return errors
        }

        /// `{"valid": …, "file": …, "services": N}` or, when invalid, the first error's fields and `errors`.
        static func json(configuration: ShipshapeConfiguration?, errors: [ConfigError]) -> String {
            var line = JSONLineWriter()
            line.field("valid", raw: errors.isEmpty ? "true" : "false")
            if let first = errors.first {
                line.field("file", string: first.file)
                if let lineNumber = first.line { line.field("line", int: lineNumber) }
                line.field("key", string: first.keyPath)
                line.field("message", string: first.message)
                let all = errors.map { error in
                    var item = JSONLineWriter()
                    item.field("file", string: error.file)
                    if let lineNumber = error.line { item.field("line", int: lineNumber) }
                    item.field("key", string: error.keyPath)
                    item.field("message", string: error.message)
                    return item.finish()
                }
                line.field("errors", raw: "[" + all.joined(separator: ",") + "]")
            } else if let configuration {
                line.field("file", string: configuration.file)
                line.field("services", int: configuration.services.count)
            }
            return line.finish()
        }
    }
}
