import Foundation
import NIOSSL

/// Builds the TLS configuration for `tcp://` hosts from Docker's certificate directory conventions.
enum DockerTLS {
    /// Where Docker looks for `ca.pem`, `cert.pem` and `key.pem` when `DOCKER_CERT_PATH` is unset.
    static var defaultCertificatePath: String {
        "\(FileManager.default.homeDirectoryForCurrentUser.path)/.docker"
    }

    /// A client configuration: the directory's CA verifies the engine when `verify` is set, and its client
    /// certificate and key (when present) authenticate us.
    static func configuration(
        certificatePath: String?, verify: Bool, host: DockerHost
    ) throws(DockerEngineError) -> TLSConfiguration {
        let directory = certificatePath ?? defaultCertificatePath
        var tls = TLSConfiguration.makeClientConfiguration()
        let files = FileManager.default
        let ca = "\(directory)/ca.pem"
        let cert = "\(directory)/cert.pem"
        let key = "\(directory)/key.pem"
        do {
            if verify {
                guard files.fileExists(atPath: ca) else {
                    throw DockerEngineError.invalidHost(
                        "\(host)", reason: "DOCKER_TLS_VERIFY is set but \(ca) does not exist")
                }
                tls.trustRoots = .file(ca)
            } else {
                tls.certificateVerification = .none
            }
            if files.fileExists(atPath: cert), files.fileExists(atPath: key) {
                tls.certificateChain = try NIOSSLCertificate.fromPEMFile(cert).map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
            }
        } catch let error as DockerEngineError {
            throw error
        } catch {
            throw DockerEngineError.invalidHost(
                "\(host)", reason: "the TLS files in \(directory) are unusable: \(error)")
        }
        return tls
    }
}
