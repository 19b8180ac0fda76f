extension DockerClient {
    /// The image `reference` names (`name:tag` or ID).
    public func inspectImage(_ reference: String) async throws(DockerEngineError) -> ImageDetails {
        try await sender.decode(.GET, "/images/\(reference)/json", subject: "image \(reference)")
    }

    /// True when the image exists locally.
    public func imageExists(_ reference: String) async throws(DockerEngineError) -> Bool {
        do {
            _ = try await inspectImage(reference)
            return true
        } catch  where error.kind == .notFound {
            return false
        }
    }

    /// Images stored locally, optionally only those matching `reference` (`shop/api` or `shop/api:1.*`).
    public func listImages(reference: String? = nil) async throws(DockerEngineError) -> [ImageSummary] {
        var query: [(String, String)] = []
        if let reference { query.append(("filters", try Self.filters(["reference": [reference]]))) }
        return try await sender.decode(.GET, "/images/json", query: query)
    }
}
