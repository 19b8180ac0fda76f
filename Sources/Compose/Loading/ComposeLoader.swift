import Foundation

/// Loads a compose project as `docker compose -f a.yml -f b.yml config` would: `.env` and interpolation,
/// `include`, merge of the files in order, `extends`, and `profiles`.
public enum ComposeLoader {
    /// The file names compose looks for when none is given, in its order.
    public static let defaultFileNames = ["compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"]
    /// How deep `extends` and `include` may nest before the loader assumes a cycle.
    static let maximumNesting = 32

    /// Loads and merges `files`; `environment` overrides the project's `.env`; `profiles` adds to
    /// `COMPOSE_PROFILES`.
    public static func load(
        files: [String], environment: [String: String] = ProcessInfo.processInfo.environment, profiles: [String] = []
    ) throws(ComposeError) -> ComposeProject {
        guard let first = files.first else {
            throw ComposeError.noComposeFile(directory: FileManager.default.currentDirectoryPath)
        }
        let projectDirectory = (first as NSString).deletingLastPathComponent
        var variables = DotEnv.load(path: (projectDirectory.isEmpty ? "." : projectDirectory) + "/.env")
        variables.merge(environment) { _, shell in shell }
        var interpolator = Interpolator(environment: variables)
        var merged: ComposeNode?
        for file in files {
            let document = try loadDocument(file, interpolator: &interpolator, depth: 0)
            merged = ComposeMerger.merge(merged, document) ?? merged
        }
        guard var document = merged else { throw ComposeError.noComposeFile(directory: projectDirectory) }
        document = try resolveExtends(in: document, interpolator: &interpolator)

        var active = Set(profiles)
        for name in (variables["COMPOSE_PROFILES"] ?? "").split(separator: ",") {
            active.insert(name.trimmingCharacters(in: .whitespaces))
        }
        // An empty file (or one of comments) would otherwise audit as a perfect project of no services.
        guard let entries = document["services"]?.entries, !entries.isEmpty else {
            throw ComposeError.invalid(
                SourceLocation(file: first, line: 1), "no services are defined (an empty compose file?); compose refuses to run it")
        }
        var services: [String: ComposeService] = [:]
        for entry in entries {
            let service = try ComposeService.decode(name: entry.key, node: entry.value, at: entry.keyLocation)
            if service.profiles.isEmpty || service.profiles.contains(where: active.contains) || active.contains("*") {
                services[entry.key] = service
            }
        }
        for service in services.values {
            for dependency in service.dependsOn where dependency.required && services[dependency.service] == nil {
                throw ComposeError.invalid(
                    dependency.location,
                    "service '\(service.name)' depends on '\(dependency.service)', which is not defined or not in an active profile")
            }
        }
        let directoryName = URL(fileURLWithPath: projectDirectory.isEmpty ? "." : projectDirectory).standardized
            .lastPathComponent
        return ComposeProject(
            name: document["name"]?.string ?? directoryName.lowercased(), files: files,
            projectDirectory: projectDirectory.isEmpty ? "." : projectDirectory, services: services,
            networks: resources(document["networks"]), volumes: resources(document["volumes"]),
            secrets: resources(document["secrets"]), configs: resources(document["configs"]), node: document,
            unsetVariables: interpolator.unsetVariables)
    }

    /// Loads the compose files of a directory by compose's default names (the first that exists, plus
    /// `compose.override.yaml`/`docker-compose.override.yml` beside it as compose does).
    public static func defaultFiles(in directory: String) throws(ComposeError) -> [String] {
        let manager = FileManager.default
        for name in defaultFileNames {
            let path = directory == "." ? name : directory + "/" + name
            if manager.fileExists(atPath: path) {
                let base = (name as NSString).deletingPathExtension
                let override = ["yaml", "yml"].map { (directory == "." ? "" : directory + "/") + base + ".override." + $0 }
                    .first { manager.fileExists(atPath: $0) }
                return [path] + (override.map { [$0] } ?? [])
            }
        }
        throw ComposeError.noComposeFile(directory: directory)
    }

    // MARK: - One file

    static func loadDocument(_ file: String, interpolator: inout Interpolator, depth: Int) throws(ComposeError)
        -> ComposeNode
    {
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw ComposeError.unreadable(file: file, reason: (error as NSError).localizedDescription)
        }
        var document = try ComposeNode.parse(yaml: text, file: file)
        guard document.entries != nil else {
            throw ComposeError.invalid(document.location, "a compose file must be a mapping with a 'services' key")
        }
        document = try interpolator.interpolate(document)
        document = try ComposeNormalizer.normalize(document)
        if let include = document["include"] {
            document.remove("include")
            document = try applyInclude(include, to: document, relativeTo: file, interpolator: &interpolator, depth: depth)
        }
        return document
    }

    /// `include:` loads other projects' files and adds their services and resources; a name defined in
    /// both is an error, as in compose.
    private static func applyInclude(
        _ include: ComposeNode, to document: ComposeNode, relativeTo file: String, interpolator: inout Interpolator,
        depth: Int
    ) throws(ComposeError) -> ComposeNode {
        guard depth < maximumNesting else {
            throw ComposeError.invalid(include.location, "include nests too deeply; is there a cycle?")
        }
        var result = document
        for item in include.sequence ?? [] {
            let paths = item.string.map { [$0] } ?? item["path"]?.strings ?? []
            if paths.isEmpty { throw ComposeError.invalid(item.location, "an include item needs a path") }
            var included: ComposeNode?
            for path in paths {
                let loaded = try loadDocument(resolve(path, relativeTo: file), interpolator: &interpolator, depth: depth + 1)
                included = ComposeMerger.merge(included, loaded) ?? included
            }
            guard let included else { continue }
            for section in ["services", "networks", "volumes", "secrets", "configs"] {
                for entry in included[section]?.entries ?? [] {
                    var target = result[section] ?? ComposeNode(.mapping([]), at: item.location)
                    if target[entry.key] != nil {
                        throw ComposeError.invalid(
                            item.location, "the included file defines \(section).\(entry.key), which this file defines too")
                    }
                    target.set(entry.key, entry.value)
                    result.set(section, target)
                }
            }
        }
        return result
    }

    static func resolve(_ path: String, relativeTo file: String) -> String {
        if path.hasPrefix("/") { return path }
        let directory = (file as NSString).deletingLastPathComponent
        return directory.isEmpty ? path : directory + "/" + path
    }

    // MARK: - extends

    private static func resolveExtends(in document: ComposeNode, interpolator: inout Interpolator) throws(ComposeError)
        -> ComposeNode
    {
        guard var services = document["services"], let entries = services.entries,
            entries.contains(where: { $0.value["extends"] != nil })
        else { return document }
        for entry in entries where entry.value["extends"] != nil {
            services.set(
                entry.key, try extended(entry.value, in: document, interpolator: &interpolator, depth: 0))
        }
        var result = document
        result.set("services", services)
        return result
    }

    private static func extended(
        _ service: ComposeNode, in document: ComposeNode, interpolator: inout Interpolator, depth: Int
    ) throws(ComposeError) -> ComposeNode {
        guard let extends = service["extends"] else { return service }
        guard depth < maximumNesting else {
            throw ComposeError.invalid(extends.location, "extends nests too deeply; is there a cycle?")
        }
        guard let baseName = extends.string ?? extends["service"]?.string else {
            throw ComposeError.invalid(extends.location, "extends needs the name of a service")
        }
        var source = document
        if let file = extends["file"]?.string {
            source = try loadDocument(resolve(file, relativeTo: extends.location.file), interpolator: &interpolator, depth: depth + 1)
        }
        guard let baseNode = source["services"]?[baseName] else {
            throw ComposeError.invalid(extends.location, "extends names the service '\(baseName)', which is not defined there")
        }
        let base = try extended(baseNode, in: source, interpolator: &interpolator, depth: depth + 1)
        var own = service
        own.remove("extends")
        var baseWithoutDependencies = base
        // Compose does not inherit depends_on through extends: it would tie services across projects.
        baseWithoutDependencies.remove("depends_on")
        var merged = ComposeMerger.merge(baseWithoutDependencies, own, path: ["services", "extends"]) ?? own
        merged.location = service.location
        return merged
    }

    private static func resources(_ node: ComposeNode?) -> [String: ComposeResource] {
        var result: [String: ComposeResource] = [:]
        for entry in node?.entries ?? [] {
            result[entry.key] = ComposeResource(name: entry.key, node: entry.value)
        }
        return result
    }
}
