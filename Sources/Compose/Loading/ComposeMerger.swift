/// Merges compose files as `docker compose -f a -f b` does: mappings merge, sequences append,
/// `command`/`entrypoint`/`healthcheck.test` replace, ports/volumes/secrets/configs merge by their key,
/// and `!reset`/`!override` remove or replace what earlier files said.
public enum ComposeMerger {
    /// Keys of a service whose list value replaces the earlier one.
    static let replacedLists: Set<String> = ["command", "entrypoint", "test", "profiles"]
    /// Keys of a service whose list items are merged by a key (the later item replaces the earlier one).
    static let keyedLists: Set<String> = ["ports", "volumes", "secrets", "configs", "devices"]

    /// Merges `override` onto `base`; nil means the value was removed with `!reset`.
    public static func merge(_ base: ComposeNode?, _ override: ComposeNode, path: [String] = []) -> ComposeNode? {
        if override.directive == .reset { return nil }
        if override.directive == .override { return stripped(override) }
        guard let base else { return stripped(override) }
        switch (base.kind, override.kind) {
        case (.mapping(let baseEntries), .mapping(let overrideEntries)):
            var entries = baseEntries
            var index: [String: Int] = [:]
            for (offset, entry) in entries.enumerated() { index[entry.key] = offset }
            var removed: Set<String> = []
            for entry in overrideEntries {
                if let position = index[entry.key] {
                    if let value = merge(entries[position].value, entry.value, path: path + [entry.key]) {
                        // A replaced value is reported where the later file wrote it; merged mappings keep
                        // the place they were first defined.
                        if value.entries == nil { entries[position].keyLocation = entry.keyLocation }
                        entries[position].value = value
                    } else {
                        removed.insert(entry.key)
                    }
                } else if let value = merge(nil, entry.value, path: path + [entry.key]) {
                    index[entry.key] = entries.count
                    entries.append(ComposeNode.Entry(key: entry.key, value: value, keyLocation: entry.keyLocation))
                }
            }
            if !removed.isEmpty { entries.removeAll { removed.contains($0.key) } }
            var result = base
            result.kind = .mapping(entries)
            return result
        case (.sequence(let baseItems), .sequence(let overrideItems)):
            let key = path.last ?? ""
            if isServiceKey(path), replacedLists.contains(key) || (key == "test" && path.dropLast().last == "healthcheck") {
                return override
            }
            var result = base
            if isServiceKey(path), keyedLists.contains(key) {
                var items = baseItems
                for item in overrideItems {
                    let itemKey = uniqueKey(of: item, list: key)
                    if let position = items.firstIndex(where: { uniqueKey(of: $0, list: key) == itemKey }) {
                        items[position] = item
                    } else {
                        items.append(item)
                    }
                }
                result.kind = .sequence(items)
            } else {
                var items = baseItems
                for item in overrideItems where item.string == nil || !items.contains(where: { $0.string == item.string }) {
                    items.append(item)
                }
                result.kind = .sequence(items)
            }
            return result
        default:
            return override
        }
    }

    private static func isServiceKey(_ path: [String]) -> Bool {
        path.first == "services" && path.count >= 3
    }

    private static func stripped(_ node: ComposeNode) -> ComposeNode {
        var copy = node
        copy.directive = nil
        return copy
    }

    /// The identity of an item of a keyed list: the container path of a mount, the target of a secret,
    /// the binding of a port.
    static func uniqueKey(of item: ComposeNode, list: String) -> String {
        switch list {
        case "volumes":
            if let text = item.string { return ComposeVolumeMount.parseShort(text, at: item.location).target }
            return item["target"]?.string ?? ""
        case "secrets", "configs":
            if let text = item.string { return text }
            return item["target"]?.string ?? item["source"]?.string ?? ""
        case "ports":
            guard let port = try? ComposePort.parse(item) else { return item.string ?? "" }
            return "\(port.hostIP ?? ""):\(port.published ?? ""):\(port.target)/\(port.protocolName)"
        case "devices":
            let text = item.string ?? item["source"]?.string ?? ""
            let parts = text.split(separator: ":")
            return parts.count > 1 ? String(parts[1]) : text
        default:
            return item.string ?? ""
        }
    }
}
