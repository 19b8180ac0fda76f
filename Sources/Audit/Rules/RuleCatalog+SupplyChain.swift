import Compose

extension RuleCatalog {
    /// Rules about what runs and what it is given.
    static let supplyChain: [AuditRule] = [
        AuditRule(
            id: "image-unpinned", severity: .medium, title: "Image not pinned",
            why: "`latest` or no tag means each pull can bring a different, untested version.",
            fix: "Pin a version tag, best with its digest: `postgres:16.4@sha256:…`.", references: ["CIS 5.27"]
        ) { service, _ in
            guard let image = service.image, !service.imageHasDigest else { return [] }
            let tag = service.imageTag
            guard tag == nil || tag == "latest" else { return [] }
            return [.at(service, "image", "service '\(service.name)' uses \(image) (\(tag == nil ? "no tag" : "latest"))")]
        },
        AuditRule(
            id: "image-not-digest", severity: .low, title: "Image pinned by tag, not digest",
            why: "A tag can be moved to another image; only a digest names exactly what was tested.",
            fix: "Append the digest: `image: NAME:TAG@sha256:…` (`docker buildx imagetools inspect` prints it).",
            references: []
        ) { service, _ in
            guard let image = service.image, !service.imageHasDigest, let tag = service.imageTag, tag != "latest" else { return [] }
            return [.at(service, "image", "service '\(service.name)' pins \(image) by tag only")]
        },
        AuditRule(
            id: "inline-secret", severity: .high, title: "Secret written inline in environment",
            why: "Values in `environment:` show in `docker inspect`, in the process environment and in git history.",
            fix: "Move it to a compose secret (`secrets:` + a `*_FILE` variable) or at least to an ignored .env file.",
            references: []
        ) { service, _ in
            service.environment.compactMap { variable in
                // Judge what the file says: `${DB_PASSWORD}` is a reference even though it was interpolated.
                guard let value = variable.written ?? variable.value else { return nil }
                if SecretHeuristics.hasURLCredentials(value) {
                    return AuditRule.Hit(location: variable.location, message: "service '\(service.name)' has a password inside the URL in \(variable.name)")
                }
                guard SecretHeuristics.isSecretName(variable.name), SecretHeuristics.isInlineValue(value) else { return nil }
                return AuditRule.Hit(location: variable.location, message: "service '\(service.name)' sets \(variable.name) inline")
            }
        },
    ]
}
