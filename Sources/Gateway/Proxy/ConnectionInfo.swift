/// What a proxy handler knows about the client connection it serves.
struct ConnectionInfo: Sendable {
    /// The peer's IP address as text.
    let peerIP: String
    /// `https` when the connection is TLS.
    let scheme: String
    /// True for a stream of an HTTP/2 connection.
    let isHTTP2: Bool

    var isSecure: Bool { scheme == "https" }
}
