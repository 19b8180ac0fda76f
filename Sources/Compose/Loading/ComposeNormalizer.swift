/// Rewrites the alternative syntaxes of a compose file into one form before files are merged, so that
/// `environment: [A=1]` in one file and `environment: {A: 2}` in another merge by key, as compose does.
enum ComposeNormalizer {
    /// Service keys whose list form `KEY=VALUE` is a mapping.
    static let keyValueLists: Set<String> = ["environment", "labels", "sysctls", "annotations", "extra_hosts"]

    /// Normalizes every service of a parsed file.
    static func normalize(_ document: ComposeNode) throws(ComposeError) -> ComposeNode {
        guard var services = document["services"] else { return document }
        guard let entries = services.entries else {
            if services.isNull { return document }
            throw ComposeError.invalid(services.location, "'services' must be a mapping of service names to definitions")
        }
        var normalized: [ComposeNode.Entry] = []
        normalized.reserveCapacity(entries.count)
        for entry in entries {
            normalized.append(
                ComposeNode.Entry(key: entry.key, value: try normalizeService(entry.value), keyLocation: entry.keyLocation))
        }
        services.kind = .mapping(normalized)
        var result = document
        result.set("services", services)
        return result
    }

    private static func normalizeService(_ service: ComposeNode) throws(ComposeError) -> ComposeNode {
        guard var entries = service.entries else { return service }
        for index in entries.indices {
            let key = entries[index].key
            let value = entries[index].value
            if keyValueLists.contains(key), let items = value.sequence {
                entries[index].value = keyValueMapping(items, separator: key == "extra_hosts" ? ":" : "=", like: value)
            } else if key == "depends_on", let items = value.sequence {
                var mapping = ComposeNode(.mapping([]), at: value.location, directive: value.directive)
                for item in items {
                    guard let name = item.string else {
                        throw ComposeError.invalid(item.location, "depends_on items must be service names")
                    }
                    var condition = ComposeNode(.mapping([]), at: item.location)
                    condition.set("condition", ComposeNode(.scalar(ComposeDependency.defaultCondition), at: item.location))
                    mapping.set(name, condition)
                }
                entries[index].value = mapping
            } else if key == "networks", let items = value.sequence {
                var mapping = ComposeNode(.mapping([]), at: value.location, directive: value.directive)
                for item in items {
                    if let name = item.string { mapping.set(name, ComposeNode(.null, at: item.location)) }
                }
                entries[index].value = mapping
            } else if ["cap_add", "cap_drop", "security_opt", "dns", "tmpfs", "env_file", "profiles", "expose"]
                .contains(key), value.string != nil
            {
                var list = value
                list.kind = .sequence([ComposeNode(value.kind, at: value.location, isQuoted: value.isQuoted)])
                entries[index].value = list
            }
        }
        var result = service
        result.kind = .mapping(entries)
        return result
    }

    private static func keyValueMapping(_ items: [ComposeNode], separator: Character, like original: ComposeNode)
        -> ComposeNode
    {
        var mapping = ComposeNode(.mapping([]), at: original.location, directive: original.directive)
        for item in items {
            guard let text = item.string else { continue }
            if let split = text.firstIndex(of: separator) {
                let value = String(text[text.index(after: split)...])
                var node = ComposeNode(.scalar(value), at: item.location, isQuoted: true)
                // What the file says before interpolation (`KEY=${KEY}`), as the mapping form keeps it.
                node.written = item.written.flatMap { written in
                    written.firstIndex(of: separator).map { String(written[written.index(after: $0)...]) }
                }
                mapping.set(String(text[..<split]), node)
            } else {
                mapping.set(text, ComposeNode(.null, at: item.location))
            }
        }
        return mapping
    }
}
