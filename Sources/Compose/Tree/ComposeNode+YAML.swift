import Yams

extension ComposeNode {
    /// Parses one YAML document into a located tree: aliases are expanded, `<<` merge keys applied and
    /// `!reset`/`!override` tags kept as merge directives.
    public static func parse(yaml: String, file: String) throws(ComposeError) -> ComposeNode {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw ComposeError.yaml(file: file, error: error, text: yaml)
        } catch {
            throw ComposeError.invalid(SourceLocation(file: file, line: 1), "cannot read the YAML: \(error)")
        }
        guard let root else { return ComposeNode(.mapping([]), at: SourceLocation(file: file, line: 1)) }
        return try convert(root, file: file)
    }

    private static func location(_ node: Node, _ file: String) -> SourceLocation {
        SourceLocation(file: file, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1)
    }

    private static func directive(_ tag: Tag) -> MergeDirective? {
        switch tag.rawValue {
        case "!reset": .reset
        case "!override": .override
        default: nil
        }
    }

    private static func convert(_ node: Node, file: String) throws(ComposeError) -> ComposeNode {
        let at = location(node, file)
        switch node {
        case .scalar(let scalar):
            let quoted = scalar.style == .singleQuoted || scalar.style == .doubleQuoted
            if !quoted, scalar.style != .literal, scalar.style != .folded, node.null != nil {
                return ComposeNode(.null, at: at, directive: directive(scalar.tag))
            }
            return ComposeNode(.scalar(scalar.string), at: at, directive: directive(scalar.tag), isQuoted: quoted)
        case .sequence(let sequence):
            var items: [ComposeNode] = []
            items.reserveCapacity(sequence.count)
            for item in sequence { items.append(try convert(item, file: file)) }
            return ComposeNode(.sequence(items), at: at, directive: directive(sequence.tag))
        case .mapping(let mapping):
            var entries: [Entry] = []
            var merged: [Entry] = []
            for (keyNode, valueNode) in mapping {
                guard case .scalar(let keyScalar) = keyNode else {
                    throw ComposeError.invalid(location(keyNode, file), "mapping keys must be plain strings")
                }
                if keyScalar.string == "<<", keyScalar.style == .plain {
                    // A merge key: the explicit keys of this mapping win over the merged ones.
                    let sources: [Node] = valueNode.sequence.map { Array($0) } ?? [valueNode]
                    for source in sources {
                        guard case .mapping = source else {
                            throw ComposeError.invalid(location(source, file), "'<<' must merge a mapping or a list of mappings")
                        }
                        for entry in try convert(source, file: file).entries ?? []
                        where !merged.contains(where: { $0.key == entry.key }) {
                            merged.append(entry)
                        }
                    }
                    continue
                }
                let key = keyScalar.string
                if entries.contains(where: { $0.key == key }) {
                    throw ComposeError.invalid(location(keyNode, file), "the key '\(key)' is written twice in this mapping")
                }
                entries.append(Entry(key: key, value: try convert(valueNode, file: file), keyLocation: location(keyNode, file)))
            }
            for entry in merged where !entries.contains(where: { $0.key == entry.key }) {
                entries.append(entry)
            }
            return ComposeNode(.mapping(entries), at: at, directive: directive(mapping.tag))
        case .alias:
            throw ComposeError.invalid(at, "an alias that does not name an anchor")
        }
    }
}
