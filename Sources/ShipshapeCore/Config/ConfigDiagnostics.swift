import Synchronization

/// Collects the problems of a configuration file that do not stop it being read, so `config check` can report
/// them all at once. While one is installed, an unknown key is recorded here and skipped instead of ending the
/// read: a misspelt key changes nothing else in the file, so reading on finds the next mistake, not echoes of it.
final class ConfigDiagnostics: Sendable {
    @TaskLocal static var current: ConfigDiagnostics?

    /// An unknown key, the mapping it was found in, and the known key it resembles.
    struct UnknownKey {
        let error: ConfigError
        let mappingPath: [String]
        let suggestion: String?
    }

    private let unknownKeys = Mutex<[UnknownKey]>([])
    private let otherErrors = Mutex<[ConfigError]>([])

    /// Reads one part of a section that nothing else in it depends on. While diagnostics are collected, a
    /// problem in it is recorded and the part keeps its default, so reading goes on; otherwise it is thrown.
    /// Returns whether the part was read.
    @discardableResult
    static func part(_ read: () throws(ConfigError) -> Void) throws(ConfigError) -> Bool {
        do {
            try read()
            return true
        } catch {
            guard let current else { throw error }
            current.otherErrors.withLock { $0.append(error) }
            return false
        }
    }

    func recordUnknownKey(_ error: ConfigError, in mappingPath: [String], suggestion: String?) {
        unknownKeys.withLock { $0.append(UnknownKey(error: error, mappingPath: mappingPath, suggestion: suggestion)) }
    }

    /// The unknown key recorded in the mapping at `mappingPath` that looks like a misspelling of `key`: when
    /// `key` is required, that is the error to report, not a second one saying `key` is missing.
    func misspelling(of key: String, in mappingPath: [String]) -> ConfigError? {
        unknownKeys.withLock { recorded in
            recorded.first { $0.mappingPath == mappingPath && $0.suggestion == key }?.error
        }
    }

    var errors: [ConfigError] { unknownKeys.withLock { $0.map(\.error) } + otherErrors.withLock { $0 } }
}
