import Compose
import DockerEngine
import Foundation
import ShipshapeCore

/// Conversions from compose's written values to the engine's: commands, sizes, CPUs, durations, restart
/// policies. Each returns nil (or throws with the key named) instead of guessing on a malformed value.
enum ComposeValues {
    /// CPU shares one reserved CPU is worth (the engine's default weight is 1024 for one CPU).
    static let sharesPerCPU = 1024.0

    /// A command or entrypoint as the argument list the engine wants: an exec list stays as written, a
    /// string is split as compose splits it (shell quoting rules, no shell runs it).
    static func arguments(_ command: ComposeCommand?) -> [String]? {
        switch command {
        case .none: nil
        case .exec(let list): list
        case .shell(let text): shellWords(text)
        }
    }

    /// Splits `text` into words the way a POSIX shell does for quoting: single quotes keep everything,
    /// double quotes keep all but `\"` and `\\`, a backslash outside quotes escapes the next character.
    static func shellWords(_ text: String) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for character in text {
            if escaped {
                current.append(character)
                escaped = false
                continue
            }
            switch (quote, character) {
            case ("'", "'"), ("\"", "\""):
                quote = nil
            case ("'", _):
                current.append(character)
            case ("\"", "\\"), (nil, "\\"):
                escaped = true
                inWord = true
            case ("\"", _):
                current.append(character)
            case (nil, "'"), (nil, "\""):
                quote = character
                inWord = true
            case (nil, _) where character.isWhitespace:
                if inWord { words.append(current) }
                current = ""
                inWord = false
            default:
                current.append(character)
                inWord = true
            }
        }
        if inWord { words.append(current) }
        return words
    }

    /// `512m`, `1g`, `1073741824` as bytes.
    static func bytes(_ text: String?, key: String, service: String) throws(DeployError) -> Int64? {
        guard let text else { return nil }
        guard let size = ByteSize(configText: text) else {
            throw invalid(key, text, service, expected: "a size such as 512m or 1g")
        }
        return Int64(size.bytes)
    }

    /// `0.5`, `"2"` as a number of CPUs.
    static func cpus(_ text: String?, key: String, service: String) throws(DeployError) -> Double? {
        guard let text else { return nil }
        guard let cpus = Double(text.trimmingCharacters(in: .whitespaces)), cpus >= 0 else {
            throw invalid(key, text, service, expected: "a number of CPUs such as 0.5")
        }
        return cpus
    }

    /// `30s`, `1m30s`, `500ms` (compose writes Go durations); nil keeps the engine's default.
    static func duration(_ text: String?, key: String, service: String) throws(DeployError) -> Duration? {
        guard let text else { return nil }
        guard let duration = Duration(configText: text) else {
            throw invalid(key, text, service, expected: "a duration such as 30s or 1m30s")
        }
        return duration
    }

    /// `restart:` (`no`, `always`, `unless-stopped`, `on-failure[:N]`), else `deploy.restart_policy`
    /// (`none`, `on-failure`, `any` with `max_attempts`); compose's default is `no`.
    static func restartPolicy(_ service: ComposeService) throws(DeployError) -> ContainerSpec.RestartPolicy {
        if let restart = service.restart {
            let parts = restart.split(separator: ":", maxSplits: 1).map(String.init)
            switch parts.first ?? "" {
            case "no", "": return .no
            case "always": return .always
            case "unless-stopped": return .unlessStopped
            case "on-failure": return .onFailure(maximumRetries: parts.count > 1 ? Int(parts[1]) ?? 0 : 0)
            default:
                throw invalid(
                    "restart", restart, service.name, expected: "no, always, unless-stopped or on-failure[:N]")
            }
        }
        switch service.restartPolicyCondition {
        case nil, "none"?: return .no
        case "any"?: return .always
        case "on-failure"?: return .onFailure(maximumRetries: service.restartPolicyMaxAttempts ?? 0)
        case let other?:
            throw invalid("deploy.restart_policy.condition", other, service.name, expected: "none, on-failure or any")
        }
    }

    /// The engine health check for a compose `healthcheck:`; nil keeps the image's own.
    static func healthCheck(_ check: ComposeHealthcheck?, service: String) throws(DeployError)
        -> ContainerSpec.HealthCheck?
    {
        guard let check else { return nil }
        if check.disabled { return ContainerSpec.HealthCheck(test: ["NONE"]) }
        guard !check.test.isEmpty else { return nil }
        var result = ContainerSpec.HealthCheck(test: check.test)
        if let interval = try duration(check.interval, key: "healthcheck.interval", service: service) {
            result.interval = interval
        }
        if let timeout = try duration(check.timeout, key: "healthcheck.timeout", service: service) {
            result.timeout = timeout
        }
        if let start = try duration(check.startPeriod, key: "healthcheck.start_period", service: service) {
            result.startPeriod = start
        }
        if let retries = check.retries { result.retries = retries }
        return result
    }

    static func invalid(_ key: String, _ value: String, _ service: String, expected: String) -> DeployError {
        DeployError(
            kind: .invalidRequest,
            userMessage: """
                The compose service '\(service)' has \(key): '\(value)', which is not \(expected). Fix it in the \
                compose file, then deploy again.
                """)
    }
}
