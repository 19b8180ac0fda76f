import ShipshapeCore

/// All policies, ordered most specific first; finds the one that applies to a request.
struct PolicySet: Sendable {
    /// Policies in configuration order (their `index` is their position here).
    let inFileOrder: [CompiledPolicy]
    /// Policies from most to least specific.
    let bySpecificity: ContiguousArray<CompiledPolicy>
    /// True when some policy names a host, so the request's host must be normalised.
    let comparesHosts: Bool
    /// Lower-case names of the request headers keys are built from (see `KeySpec.headerNames`).
    let requestHeaderNames: [String]

    init(_ policies: [RateLimitConfiguration.Policy]) {
        inFileOrder = policies.enumerated().map { CompiledPolicy(index: $0.offset, configuration: $0.element) }
        bySpecificity = ContiguousArray(inFileOrder.sorted(by: CompiledPolicy.isMoreSpecific))
        comparesHosts = policies.contains { $0.host != nil }
        var names: [String] = []
        for policy in inFileOrder where policy.gcra != nil {
            for name in policy.keySpec.headerNames where !names.contains(name) { names.append(name) }
        }
        requestHeaderNames = names
    }

    /// The most specific policy that applies, or nil.
    @inline(__always)
    func match(_ request: RateLimitRequest) -> CompiledPolicy? {
        let host = comparesHosts ? request.host.map(Self.normalizedHost) : nil
        // The path's bytes are borrowed once for every policy's prefix comparison.
        if let found = request.path.utf8.withContiguousStorageIfAvailable({ path in
            firstMatch(path: path, request: request, host: host)
        }) {
            return found
        }
        return Array(request.path.utf8).withUnsafeBufferPointer { firstMatch(path: $0, request: request, host: host) }
    }

    @inline(__always)
    private func firstMatch(path: UnsafeBufferPointer<UInt8>, request: RateLimitRequest, host: String?)
        -> CompiledPolicy?
    {
        // Index loop over a ContiguousArray: no iterator and no retain per policy that does not match.
        for index in bySpecificity.indices where bySpecificity[index].matches(path: path, request, host: host) {
            return bySpecificity[index]
        }
        return nil
    }

    /// Lower case, without a port (`Shop.Example:443` → `shop.example`, `[::1]:80` → `[::1]`).
    static func normalizedHost(_ host: String) -> String {
        var text = Substring(host)
        if let colon = text.lastIndex(of: ":"), !text[colon...].contains("]") {
            text = text[..<colon]
        }
        return text.lowercased()
    }
}
