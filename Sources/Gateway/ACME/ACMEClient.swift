import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOHTTP1
import SwiftASN1
import X509

/// A small ACME (RFC 8555) client for HTTP-01: account, order, challenge, finalize, download. Requests are
/// JWS-signed with the account's P-256 key; a `badNonce` answer is retried with the fresh nonce it carries.
struct ACMEClient {
    /// How often an order or authorization is polled while the server works on it.
    static let pollInterval: Duration = .milliseconds(500)
    /// How long an order may take from challenge to certificate.
    static let orderTimeout: Duration = .seconds(120)
    /// How many times a request is resent after `badNonce`.
    static let nonceRetries = 5

    struct Directory: Decodable {
        let newNonce: String
        let newAccount: String
        let newOrder: String
    }

    let http: HTTPClient
    let directoryURL: String
    let accountKey: P256.Signing.PrivateKey
    private var directory: Directory?
    private var nonce: String?
    private var accountURL: String?

    init(http: HTTPClient, directoryURL: String, accountKey: P256.Signing.PrivateKey) {
        self.http = http
        self.directoryURL = directoryURL
        self.accountKey = accountKey
    }

    /// Obtains a certificate for `domains`, answering HTTP-01 challenges through `challenges`. Returns the PEM
    /// chain; `certificateKey` is the key the CSR is signed with.
    mutating func obtainCertificate(
        domains: [String], email: String, certificateKey: P256.Signing.PrivateKey, challenges: ACMEChallenges
    ) async throws -> String {
        let directory = try await loadDirectory()
        let account = try await post(directory.newAccount, payload: [
            "termsOfServiceAgreed": true, "contact": ["mailto:\(email)"],
        ], useKeyID: false)
        guard let accountURL = account.location else { throw ACMEError.protocolViolation("the new account has no Location") }
        self.accountURL = accountURL

        let orderResponse = try await post(directory.newOrder, payload: [
            "identifiers": domains.map { ["type": "dns", "value": $0] },
        ])
        guard let orderURL = orderResponse.location else { throw ACMEError.protocolViolation("the new order has no Location") }
        let order = try orderResponse.decode(Order.self)

        var tokens: [String] = []
        defer { for token in tokens { challenges.remove(token: token) } }
        for authorizationURL in order.authorizations {
            let authorization = try await postAsGet(authorizationURL).decode(Authorization.self)
            if authorization.status == "valid" { continue }
            guard let challenge = authorization.challenges.first(where: { $0.type == "http-01" }) else {
                throw ACMEError.rejected("\(authorization.identifier.value): the server offers no http-01 challenge")
            }
            challenges.set(token: challenge.token, keyAuthorization: challenge.token + "." + ACMEJWS.thumbprint(of: accountKey))
            tokens.append(challenge.token)
            _ = try await post(challenge.url, payload: [:])  // "{}": ready to be validated
            try await poll(authorizationURL, as: Authorization.self, until: { $0.status == "valid" }) { authorization in
                authorization.status == "invalid"
                    ? "validation of \(authorization.identifier.value) failed: \(authorization.challenges.compactMap(\.error?.detail).joined(separator: "; "))"
                    : nil
            }
        }

        let csr = try Self.certificateRequest(domains: domains, key: certificateKey)
        _ = try await post(order.finalize, payload: ["csr": ACMEJWS.base64URL(csr)])
        let finished = try await poll(orderURL, as: Order.self, until: { $0.status == "valid" }) { order in
            order.status == "invalid" ? "the order became invalid" : nil
        }
        guard let certificateURL = finished.certificate else { throw ACMEError.protocolViolation("a valid order without a certificate URL") }
        let pem = String(decoding: try await postAsGet(certificateURL).body, as: UTF8.self)
        guard pem.contains("BEGIN CERTIFICATE") else { throw ACMEError.protocolViolation("the certificate download is not PEM") }
        return pem
    }

    /// A DER CSR for `domains` (all in the subjectAltName; the first is the common name).
    static func certificateRequest(domains: [String], key: P256.Signing.PrivateKey) throws -> [UInt8] {
        let extensions = try Certificate.Extensions { SubjectAlternativeNames(domains.map { GeneralName.dnsName($0) }) }
        let request = try CertificateSigningRequest(
            version: .v1,
            subject: try DistinguishedName { CommonName(domains.first ?? "") },
            privateKey: Certificate.PrivateKey(key),
            attributes: CertificateSigningRequest.Attributes([.init(ExtensionRequest(extensions: extensions))]),
            signatureAlgorithm: .ecdsaWithSHA256)
        var serializer = DER.Serializer()
        try serializer.serialize(request)
        return serializer.serializedBytes
    }

    // MARK: - Resources

    struct Order: Decodable {
        let status: String
        let authorizations: [String]
        let finalize: String
        let certificate: String?
    }

    struct Authorization: Decodable {
        struct Identifier: Decodable { let value: String }
        struct Challenge: Decodable {
            struct Problem: Decodable { let detail: String? }
            let type: String
            let url: String
            let token: String
            let error: Problem?
        }
        let status: String
        let identifier: Identifier
        let challenges: [Challenge]
    }

    /// Polls `url` until `done`, failing with the message `failure` returns, or after `orderTimeout`.
    @discardableResult
    private mutating func poll<Resource: Decodable>(
        _ url: String, as type: Resource.Type, until done: (Resource) -> Bool, failure: (Resource) -> String?
    ) async throws -> Resource {
        let deadline = ContinuousClock.now + Self.orderTimeout
        while true {
            let resource = try await postAsGet(url).decode(type)
            if done(resource) { return resource }
            if let message = failure(resource) { throw ACMEError.rejected(message) }
            guard ContinuousClock.now < deadline else { throw ACMEError.rejected("no answer from the ACME server within \(Self.orderTimeout)") }
            try await Task.sleep(for: Self.pollInterval)
        }
    }

    // MARK: - Transport

    struct Response {
        let status: UInt
        let headers: HTTPHeaders
        let body: [UInt8]

        var location: String? { headers.first(name: "location") }

        func decode<T: Decodable>(_ type: T.Type) throws -> T {
            do {
                return try JSONDecoder().decode(type, from: Data(body))
            } catch {
                throw ACMEError.protocolViolation("unexpected \(T.self) from the ACME server: \(error)")
            }
        }
    }

    private mutating func loadDirectory() async throws -> Directory {
        if let directory { return directory }
        let response = try await send(HTTPClientRequest(url: directoryURL))
        guard response.status == 200 else { throw ACMEError.unreachable(directoryURL, "HTTP \(response.status)") }
        let directory = try response.decode(Directory.self)
        self.directory = directory
        return directory
    }

    private mutating func freshNonce() async throws -> String {
        if let nonce {
            self.nonce = nil
            return nonce
        }
        var request = HTTPClientRequest(url: try await loadDirectory().newNonce)
        request.method = .HEAD
        let response = try await send(request)
        guard let nonce = response.headers.first(name: "replay-nonce") else {
            throw ACMEError.protocolViolation("no Replay-Nonce from newNonce")
        }
        return nonce
    }

    private mutating func postAsGet(_ url: String) async throws -> Response {
        try await signedPost(url, payload: nil, useKeyID: true)
    }

    private mutating func post(_ url: String, payload: [String: Any], useKeyID: Bool = true) async throws -> Response {
        try await signedPost(url, payload: try JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys]), useKeyID: useKeyID)
    }

    private mutating func signedPost(_ url: String, payload: Data?, useKeyID: Bool) async throws -> Response {
        for attempt in 0...Self.nonceRetries {
            let nonce = try await freshNonce()
            let key: ACMEJWS.KeyReference = useKeyID ? .keyID(accountURL ?? "") : .jwk
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "content-type", value: "application/jose+json")
            request.body = .bytes(try ACMEJWS.sign(payload: payload, url: url, nonce: nonce, key: key, with: accountKey))
            let response = try await send(request)
            if response.status < 300 { return response }
            let problem = (try? JSONDecoder().decode(Problem.self, from: Data(response.body)))
            if problem?.type == "urn:ietf:params:acme:error:badNonce", attempt < Self.nonceRetries { continue }
            throw ACMEError.rejected("\(url): HTTP \(response.status) \(problem?.type ?? "") \(problem?.detail ?? "")")
        }
        throw ACMEError.rejected("\(url): the server kept rejecting nonces")
    }

    struct Problem: Decodable {
        let type: String?
        let detail: String?
    }

    private mutating func send(_ request: HTTPClientRequest) async throws -> Response {
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: .seconds(30))
        } catch {
            throw ACMEError.unreachable(request.url, "\(error)")
        }
        if let nonce = response.headers.first(name: "replay-nonce") { self.nonce = nonce }
        let body = try await response.body.collect(upTo: 1 << 20)
        return Response(status: response.status.code, headers: response.headers, body: Array(buffer: body))
    }
}
