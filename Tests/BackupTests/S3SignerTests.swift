import Foundation
import Testing

@testable import Backup

/// AWS's published SigV4 examples for S3 (the AKIAIOSFODNN7EXAMPLE key, 2013-05-24, examplebucket).
@Suite("SigV4 against AWS's documented example signatures")
struct S3SignerTests {
    static let signer = S3Signer(
        credentials: .init(accessKey: "AKIAIOSFODNN7EXAMPLE", secretKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        region: "us-east-1")
    static let date = Date(timeIntervalSince1970: 1_369_353_600)  // 2013-05-24T00:00:00Z

    @Test("GET Object with a Range header matches the documented signature")
    func getObject() {
        let headers = Self.signer.sign(
            method: "GET", path: "/test.txt", query: [],
            headers: ["Host": "examplebucket.s3.amazonaws.com", "Range": "bytes=0-9"],
            payloadHash: S3Signer.emptyPayloadHash, date: Self.date)
        #expect(
            headers["authorization"]
                == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        )
    }

    @Test("GET Bucket lifecycle (a query parameter without value) matches the documented signature")
    func getLifecycle() {
        let headers = Self.signer.sign(
            method: "GET", path: "/", query: [("lifecycle", "")], headers: ["Host": "examplebucket.s3.amazonaws.com"],
            payloadHash: S3Signer.emptyPayloadHash, date: Self.date)
        #expect(headers["authorization"]?.hasSuffix("Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543") == true)
    }

    @Test("a presigned GET URL matches the documented signature")
    func presigned() {
        let query = Self.signer.presignedQuery(
            method: "GET", host: "examplebucket.s3.amazonaws.com", path: "/test.txt", expires: 86400, date: Self.date)
        #expect(query.hasSuffix("X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"))
        #expect(query.contains("X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"))
    }

    @Test("keys are encoded as S3 expects: unreserved kept, slash kept in paths only")
    func encoding() {
        #expect(S3Signer.encode("a b/c~d*e", keepSlash: true) == "a%20b/c~d%2Ae")
        #expect(S3Signer.encode("a/b", keepSlash: false) == "a%2Fb")
    }
}
