import Testing

@testable import ShipshapeCore

@Suite("Header text on the request path")
struct HTTPTextTests {
    @Test("trimming removes spaces and tabs at both ends only", arguments: [
        ("  token\t", "token"), ("token", "token"), ("\t \t", ""), ("", ""), (" a b ", "a b"), (" é ", "é"),
    ])
    func trimming(input: String, expected: String) {
        #expect(input.trimmingHTTPWhitespace() == expected[...])
        #expect(input.dropFirst(0).trimmingHTTPWhitespace() == expected[...])
    }

    @Test("ASCII case-insensitive comparison against a lowercase literal")
    func caseInsensitive() {
        #expect("GZip".equalsIgnoringASCIICase("gzip"))
        #expect(!"gzipx".equalsIgnoringASCIICase("gzip"))
        #expect(!"gzi".equalsIgnoringASCIICase("gzip"))
        #expect(!"GZİP".equalsIgnoringASCIICase("gzip"))
    }

    @Test("Accept-Encoding elements: name, weight, and q=0 as refusal", arguments: [
        ("gzip", "gzip", 1.0), ("gzip;q=0", "gzip", 0), ("gzip; q=0.0", "gzip", 0), ("br;Q=0.5", "br", 0.5),
        (" deflate ;q=1.000", "deflate", 1), ("gzip;level=1;q=0.25", "gzip", 0.25), ("identity;q=x", "identity", 1),
    ])
    func acceptedCoding(element: String, name: String, quality: Double) throws {
        let coding = try #require(AcceptedCoding(element))
        #expect(coding.name == name[...])
        #expect(coding.quality == quality)
        #expect(coding.isAccepted == (quality > 0))
    }

    @Test("an element without a name is skipped")
    func emptyElement() {
        #expect(AcceptedCoding(" ;q=1") == nil)
        #expect(AcceptedCoding("") == nil)
    }
}
