import NIOCore
import NIOHTTP1
import NIOHTTPCompression
import ShipshapeCore

/// Puts the response compressor into a connection's pipeline when the first request that accepts gzip or
/// deflate arrives, and leaves `deflate` out of `Accept-Encoding` when the client also accepts gzip (the
/// compressor picks deflate on a tie, and gzip is the coding every client, cache and CDN handles the same way).
/// Connections whose clients never ask for compression (API clients, load balancers' probes) never pay for the
/// compressor, which holds every response part until the flush to decide.
///
/// The compressor pairs each response with the `Accept-Encoding` of a request it saw, in order, so it joins only
/// while no response is due: a pipelined request arriving while earlier ones are still being answered is
/// answered uncompressed (identity is always acceptable), and the compressor joins at the next quiet moment.
final class AcceptEncodingHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart

    /// Responses smaller than this are not compressed.
    let minimumSize: Int
    /// Whether the response compressor is in the pipeline (it stays once added).
    private(set) var compressorAdded = false
    /// Requests passed on whose responses have not ended yet (the proxy handler reports each end).
    private var responsesDue = 0

    init(minimumSize: Int) {
        self.minimumSize = minimumSize
    }

    /// A response ended.
    func responseEnded() {
        responsesDue = max(0, responsesDue - 1)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(var head) = unwrapInboundIn(data) else {
            context.fireChannelRead(data)
            return
        }
        let quiet = responsesDue == 0
        responsesDue += 1
        let tokens = head.headers[canonicalForm: "accept-encoding"]
        guard !tokens.isEmpty else {
            context.fireChannelRead(data)
            return
        }
        let codings = tokens.map(AcceptedCoding.init)
        // One pass: what is accepted, whether deflate is named at all, and whether any name needs lowercasing
        // (NIO's compressor matches names case-sensitively, though they are case-insensitive: RFC 9110 §8.4.1).
        var acceptsGzip = false, acceptsDeflate = false, namesDeflate = false, uppercase = false
        for case let coding? in codings {
            let isDeflate = coding.name.equalsIgnoringASCIICase("deflate")
            namesDeflate = namesDeflate || isDeflate
            acceptsDeflate = acceptsDeflate || (isDeflate && coding.isAccepted)
            acceptsGzip = acceptsGzip || (coding.isAccepted && coding.name.equalsIgnoringASCIICase("gzip"))
            uppercase = uppercase || coding.name.utf8.contains { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }
        }
        if !compressorAdded, quiet, acceptsGzip || acceptsDeflate {
            // Added right after this handler, before the head goes on, so the compressor sees this request.
            let compressor = HTTPResponseCompressor(responseCompressionPredicate: CompressionPolicy.predicate(minimumSize: minimumSize))
            do {
                try context.pipeline.syncOperations.addHandler(compressor, position: .after(self))
                compressorAdded = true
            } catch {
                context.fireErrorCaught(error)
            }
        }
        // With gzip accepted, deflate is dropped so the compressor picks gzip; uppercase names are lowercased.
        if (acceptsGzip && namesDeflate) || uppercase {
            let kept = zip(tokens, codings).compactMap { token, coding -> String? in
                guard let coding, !(acceptsGzip && coding.name.equalsIgnoringASCIICase("deflate")) else { return nil }
                return coding.name.lowercased() + token.drop { $0 != ";" }
            }
            head.headers.replaceOrAdd(name: "accept-encoding", value: kept.joined(separator: ", "))
            context.fireChannelRead(wrapInboundOut(.head(head)))
            return
        }
        context.fireChannelRead(data)
    }
}

@available(*, unavailable)
extension AcceptEncodingHandler: Sendable {}
