import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ShipshapeCore

/// An S3-compatible bucket (AWS, MinIO, moto…) addressed by `s3://bucket/prefix`.
///
/// Credentials, region and endpoint come from the standard `AWS_*` variables or the shared credentials
/// file; custom endpoints use path-style addressing unless `AWS_S3_FORCE_PATH_STYLE=false`.
public struct S3Store: BackupStore {
    /// Bytes per multipart part to begin with; S3's minimum is 5 MiB, 8 MiB keeps memory low and requests few.
    public static let defaultPartSize = 8 << 20
    /// S3 accepts at most 10,000 parts per upload. The part size doubles after every `partsPerSizeStep` parts
    /// (1,000 by default), so an upload of unknown size can reach S3's 5 TiB object limit (10,000 parts then
    /// hold 1,023,000 first-size parts: 8 TB at 8 MiB), while one under 8 GB keeps the first size, and the
    /// memory of two part buffers, throughout. At 100 GB the parts are 64 MiB.
    public static let maximumParts = 10_000
    static let requestTimeout: TimeAmount = .minutes(5)
    static let maximumErrorBody = 64 * 1024

    let bucket: String
    let prefix: String
    let endpoint: URL
    let pathStyle: Bool
    let signer: S3Signer
    let partSize: Int
    let partsPerSizeStep: Int
    /// Keys per ListObjectsV2 page (S3 caps it at 1000); lower values exercise paging.
    let pageSize: Int

    /// A store for `url` configured from `environment`.
    public init(
        url: String, environment: [String: String], partSize: Int = S3Store.defaultPartSize, partsPerSizeStep: Int = 1000,
        pageSize: Int = 1000
    ) throws(BackupError) {
        let path = url.dropFirst("s3://".count)
        let bucket = path.split(separator: "/", maxSplits: 1).first.map(String.init) ?? ""
        guard !bucket.isEmpty else {
            throw BackupError(.configuration, "'\(url)' names no bucket", hint: "Use store: s3://BUCKET/PREFIX.")
        }
        let prefix = path.dropFirst(bucket.count).trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        let region = environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"] ?? "us-east-1"
        let custom = environment["AWS_ENDPOINT_URL_S3"] ?? environment["AWS_ENDPOINT_URL"]
        guard let endpoint = URL(string: custom ?? "https://s3.\(region).amazonaws.com"), endpoint.host != nil else {
            throw BackupError(
                .configuration, "The S3 endpoint '\(custom ?? "")' is not a URL",
                hint: "Set AWS_ENDPOINT_URL_S3 to e.g. http://127.0.0.1:9000.")
        }
        guard let credentials = Self.credentials(environment) else {
            throw BackupError(
                .configuration, "No S3 credentials for \(url)",
                hint: "Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_SHARED_CREDENTIALS_FILE (profile AWS_PROFILE).")
        }
        self.bucket = bucket
        self.prefix = prefix
        self.endpoint = endpoint
        self.pathStyle = environment["AWS_S3_FORCE_PATH_STYLE"].map { $0 == "true" || $0 == "1" } ?? (custom != nil)
        self.signer = S3Signer(credentials: credentials, region: region)
        self.partSize = partSize
        self.partsPerSizeStep = max(1, partsPerSizeStep)
        self.pageSize = pageSize
    }

    /// Keys from the environment, else from the shared credentials file's profile.
    static func credentials(_ environment: [String: String]) -> S3Signer.Credentials? {
        if let access = environment["AWS_ACCESS_KEY_ID"], let secret = environment["AWS_SECRET_ACCESS_KEY"] {
            return .init(accessKey: access, secretKey: secret, sessionToken: environment["AWS_SESSION_TOKEN"])
        }
        let file = environment["AWS_SHARED_CREDENTIALS_FILE"] ?? "\(environment["HOME"] ?? "")/.aws/credentials"
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
        let profile = environment["AWS_PROFILE"] ?? "default"
        var inProfile = false
        var values: [String: String] = [:]
        for line in text.split(whereSeparator: \.isNewline).map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if line.hasPrefix("[") { inProfile = line == "[\(profile)]"; continue }
            let pair = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if inProfile, pair.count == 2 { values[pair[0]] = pair[1] }
        }
        guard let access = values["aws_access_key_id"], let secret = values["aws_secret_access_key"] else { return nil }
        return .init(accessKey: access, secretKey: secret, sessionToken: values["aws_session_token"])
    }

    public var location: String { "s3://\(bucket)/\(prefix)" }

    /// The size of multipart part `number` (from 1): `partSize`, doubled after every `partsPerSizeStep` parts
    /// up to 512 times (4 GiB at 8 MiB, under S3's 5 GiB part limit).
    func partSize(forPart number: Int) -> Int {
        partSize << min((number - 1) / partsPerSizeStep, 9)
    }

    func objectKey(_ key: String) -> String { prefix.isEmpty ? key : "\(prefix)/\(key)" }

    // MARK: - Requests

    /// The client every S3 request goes through. Unlike `HTTPClient.shared` it does not retry a refused
    /// connection until the request's deadline (an unreachable endpoint would hang a run for minutes), and
    /// a response that stops arriving fails after `readTimeout`; `send` retries what S3 asks clients to retry.
    static let http: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(10), read: readTimeout)
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.redirectConfiguration = .disallow
        configuration.decompression = .disabled
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()
    static let readTimeout: TimeAmount = .minutes(2)
    /// Tries per request: S3 asks clients to retry 500s, 503 SlowDown and dropped connections with backoff.
    static let attempts = 4
    /// The wait before the second try; it doubles for each later one (with jitter).
    static let firstBackoff: Duration = .milliseconds(250)
    static let logger = Logger(label: "shipshape.backup.s3")

    /// What one try of a request came to.
    enum Outcome {
        case response(HTTPClientResponse)
        /// A failure worth another try: a 5xx or S3's RequestTimeout, or the connection failed.
        case transient(BackupError)
    }

    /// Sends one signed request, retrying transient failures; non-2xx responses become `BackupError`s naming
    /// the operation. A conditional request (`if-none-match`) is retried only after a 5xx: after a dropped
    /// connection it may have been applied, and a second try would then see its own object.
    func send(
        _ method: HTTPMethod, key: String?, query: [(String, String)] = [], body: [UInt8]? = nil,
        headers: [String: String] = [:], operation: String, accepting accepted: Set<UInt> = []
    ) async throws -> HTTPClientResponse {
        var attempt = 1
        while true {
            let outcome = try await sendOnce(
                method, key: key, query: query, body: body, headers: headers, operation: operation, accepting: accepted,
                retryingDroppedConnections: headers["if-none-match"] == nil)
            switch outcome {
            case .response(let response):
                return response
            case .transient(let error) where attempt < Self.attempts:
                let wait = Self.firstBackoff * (1 << (attempt - 1)) * Double.random(in: 0.5...1)
                Self.logger.warning(
                    "S3 request failed, retrying",
                    metadata: ["operation": "\(operation)", "attempt": "\(attempt)", "error": "\(error.what)"])
                try await Task.sleep(for: wait)
                attempt += 1
            case .transient(let error):
                throw error
            }
        }
    }

    private func sendOnce(
        _ method: HTTPMethod, key: String?, query: [(String, String)], body: [UInt8]?, headers: [String: String],
        operation: String, accepting accepted: Set<UInt>, retryingDroppedConnections: Bool
    ) async throws -> Outcome {
        let host = endpoint.host ?? ""
        let hostHeader = endpoint.port.map { "\(host):\($0)" } ?? host
        var path = pathStyle ? "/\(bucket)" : ""
        if let key { path += "/" + key } else if path.isEmpty { path = "/" }
        let virtualHost = pathStyle ? hostHeader : "\(bucket).\(hostHeader)"
        let payloadHash = body.map { SHA256Hasher.hex(SHA256.hash(data: $0)) } ?? S3Signer.emptyPayloadHash
        var requestHeaders = headers
        requestHeaders["host"] = virtualHost
        let signed = signer.sign(
            method: method.rawValue, path: path, query: query, headers: requestHeaders, payloadHash: payloadHash,
            date: Date())
        let queryString = S3Signer.canonicalQuery(query)
        let scheme = endpoint.scheme ?? "https"
        var request = HTTPClientRequest(
            url: "\(scheme)://\(virtualHost)\(S3Signer.encode(path, keepSlash: true))\(queryString.isEmpty ? "" : "?" + queryString)")
        request.method = method
        for (name, value) in signed where name != "host" { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response: HTTPClientResponse
        do {
            response = try await Self.http.execute(request, timeout: Self.requestTimeout)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            let failure = BackupError(
                .store, "S3 \(operation) on \(location) failed: \(Self.describe(error)) (endpoint \(scheme)://\(hostHeader))",
                hint: "Check the endpoint (AWS_ENDPOINT_URL_S3) and the network; existing backups were not changed.")
            if retryingDroppedConnections { return .transient(failure) }
            throw failure
        }
        guard (200..<300).contains(response.status.code) || accepted.contains(response.status.code) else {
            let body = try? await response.body.collect(upTo: Self.maximumErrorBody)
            let text = body.map { String(buffer: $0) } ?? ""
            let code = S3XML.values("Code", in: text[...]).first ?? response.status.description
            let failure = BackupError(
                code == "NoSuchKey" || response.status == .notFound ? .notFound : .store,
                "S3 \(operation) of \(key ?? bucket) failed: \(code) (HTTP \(response.status.code))",
                hint: code == "SignatureDoesNotMatch" || code == "InvalidAccessKeyId"
                    ? "Check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY and AWS_REGION."
                    : "Check the bucket, credentials and permissions; existing backups were not changed.")
            if response.status.code >= 500 || code == "RequestTimeout" { return .transient(failure) }
            throw failure
        }
        return .response(response)
    }

    /// A transport error in words: AsyncHTTPClient's and NIO's descriptions name types, not causes.
    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout: return "no connection within 10 s"
            case .readTimeout: return "no response data for \(readTimeout.nanoseconds / 1_000_000_000) s"
            case .deadlineExceeded: return "no response within \(requestTimeout.nanoseconds / 1_000_000_000) s"
            case .remoteConnectionClosed: return "the server closed the connection"
            default: return "\(error)"
            }
        }
        if let error = error as? IOError { return String(cString: strerror(error.errnoCode)) }
        if let error = error as? NIOConnectionError {
            if let first = error.connectionErrors.first { return describe(first.error) }
            if error.dnsAError != nil || error.dnsAAAAError != nil { return "cannot resolve the host name \(error.host)" }
        }
        return "\(error)"
    }

    // MARK: - BackupStore

    public func makeWriter(key: String) async throws -> any ObjectWriter {
        S3MultipartWriter(store: self, key: objectKey(key))
    }

    /// Streams the object into `sink`. A download cut off midway (the connection dropped, the server stopped
    /// sending) resumes where it stopped with a `Range` request, pinned to the first response's ETag, up to
    /// `attempts` times in all, so a large restore survives a network hiccup without starting over. Errors
    /// of the sink itself (a checksum, the disk) end the read at once.
    public func read(key: String, into sink: any ByteSink) async throws {
        var received = 0
        var etag: String?
        var attempt = 1
        while true {
            var headers: [String: String] = [:]
            if received > 0 {
                headers["range"] = "bytes=\(received)-"
                if let etag { headers["if-match"] = etag }
            }
            let response = try await send(.GET, key: objectKey(key), headers: headers, operation: "GetObject")
            if received > 0 {
                let range = response.headers.first(name: "content-range") ?? ""
                guard response.status == .partialContent, range.hasPrefix("bytes \(received)-") else {
                    throw BackupError(
                        .store, "S3 GetObject of \(key) could not resume at byte \(received): HTTP \(response.status.code) \(range)",
                        hint: "The server does not honour Range requests; retry the operation.")
                }
            } else {
                etag = response.headers.first(name: "etag")
            }
            var body = response.body.makeAsyncIterator()
            while true {
                let next: ByteBuffer?
                do {
                    next = try await body.next()
                } catch is CancellationError {
                    throw CancellationError()
                } catch where attempt < Self.attempts {
                    Self.logger.warning(
                        "S3 download cut off, resuming",
                        metadata: ["key": "\(key)", "received_bytes": "\(received)", "error": "\(Self.describe(error))"])
                    try await Task.sleep(for: Self.firstBackoff * (1 << (attempt - 1)) * Double.random(in: 0.5...1))
                    attempt += 1
                    break
                } catch {
                    throw BackupError(
                        .store, "S3 GetObject of \(key) failed after \(received) bytes: \(Self.describe(error))",
                        hint: "Check the endpoint and the network; the backup itself was not changed.")
                }
                guard let buffer = next else { return }
                try await sink.write(Array(buffer.readableBytesView)[...])
                received += buffer.readableBytes
            }
        }
    }

    /// The ETag of the object at `key` (a full key, prefix included), or nil when there is none.
    func objectETag(key: String) async throws -> String? {
        let notFound: UInt = 404
        let response = try await send(.HEAD, key: key, operation: "HeadObject", accepting: [notFound])
        return response.status.code == notFound ? nil : response.headers.first(name: "etag")
    }

    public func list(prefix listPrefix: String) async throws -> [StoredObject] {
        var objects: [StoredObject] = []
        var token: String?
        let full = objectKey(listPrefix)
        let strip = prefix.isEmpty ? 0 : prefix.count + 1
        repeat {
            var query = [("list-type", "2"), ("prefix", full), ("max-keys", String(pageSize))]
            if let token { query.append(("continuation-token", token)) }
            let response = try await send(.GET, key: nil, query: query, operation: "ListObjectsV2")
            let text = String(buffer: try await response.body.collect(upTo: 64 << 20))
            for block in S3XML.blocks("Contents", in: text[...]) {
                guard let key = S3XML.values("Key", in: block).first else { continue }
                let size = Int(S3XML.values("Size", in: block).first ?? "") ?? 0
                objects.append(StoredObject(key: String(key.dropFirst(strip)), size: size))
            }
            let truncated = S3XML.values("IsTruncated", in: text[...]).first == "true"
            token = truncated ? S3XML.values("NextContinuationToken", in: text[...]).first : nil
        } while token != nil
        return objects
    }

    public func delete(keys: [String]) async throws {
        // Deleting is cleanup (what a failed run wrote, the lock): it finishes even in a cancelled task.
        try await uncancelled { [self] in
            for key in keys { _ = try await send(.DELETE, key: objectKey(key), operation: "DeleteObject") }
        }
    }

    /// A conditional PutObject (`If-None-Match: *`): S3 refuses it with 412 when the key exists.
    public func createExclusively(key: String, bytes: [UInt8]) async throws -> Bool {
        let preconditionFailed: UInt = 412
        let response = try await send(
            .PUT, key: objectKey(key), body: bytes, headers: ["if-none-match": "*"], operation: "PutObject",
            accepting: [preconditionFailed])
        return response.status.code != preconditionFailed
    }

    /// Multipart uploads in progress under `prefix`: (key relative to the store, upload id).
    public func pendingUploads(prefix listPrefix: String) async throws -> [(key: String, uploadID: String)] {
        let response = try await send(
            .GET, key: nil, query: [("uploads", ""), ("prefix", objectKey(listPrefix))], operation: "ListMultipartUploads")
        let text = String(buffer: try await response.body.collect(upTo: 16 << 20))
        let strip = prefix.isEmpty ? 0 : prefix.count + 1
        return S3XML.blocks("Upload", in: text[...]).compactMap { block in
            guard let key = S3XML.values("Key", in: block).first, let id = S3XML.values("UploadId", in: block).first
            else { return nil }
            return (String(key.dropFirst(strip)), String(id))
        }
    }

    /// Aborts multipart uploads left by interrupted runs under `prefix`, except those under `keepingUnder` and
    /// those whose key (relative to the store) `including` refuses.
    public func abortMultipartUploads(
        prefix listPrefix: String, keepingUnder: String?, including: (String) -> Bool = { _ in true }
    ) async throws {
        for upload in try await pendingUploads(prefix: listPrefix) where including(upload.key) {
            if let keepingUnder, upload.key.hasPrefix(keepingUnder) { continue }
            _ = try? await send(.DELETE, key: objectKey(upload.key), query: [("uploadId", upload.uploadID)], operation: "AbortMultipartUpload")
        }
    }
}
