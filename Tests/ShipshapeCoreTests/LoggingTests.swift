import Foundation
import Logging
import ShipshapeCore
import Testing

@Suite("JSON logging")
struct LoggingTests {
    @Test("a log line is one JSON object with typed fields and redacted secrets")
    func jsonLine() throws {
        var pipe: [Int32] = [0, 0]
        #expect(Foundation.pipe(&pipe) == 0)
        let sink = LogSink(fileDescriptor: pipe[1])
        var logger = Logger(label: "shipshape.test") { label in JSONLogHandler(label: label, level: .info, sink: sink) }
        logger[metadataKey: "request_id"] = "abc"
        logger.info(
            "connecting to postgres://app:hunter2@db/shop",
            metadata: ["status": .stringConvertible(200), "Authorization": "Bearer xyz", "db_password": "hunter2"])
        logger.debug("not shown at info")
        close(pipe[1])
        let data = FileHandle(fileDescriptor: pipe[0]).readDataToEndOfFile()
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 1)
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(object["level"] as? String == "info")
        #expect(object["logger"] as? String == "shipshape.test")
        #expect(object["request_id"] as? String == "abc")
        #expect(object["status"] as? Int == 200)
        #expect(object["Authorization"] as? String == "[REDACTED]")
        #expect(object["db_password"] as? String == "[REDACTED]")
        #expect(!String(decoding: data, as: UTF8.self).contains("hunter2"))
        #expect((object["timestamp"] as? String)?.hasSuffix("Z") == true)
    }

    @Test("request targets: credential-carrying query values are masked, everything else is kept as written")
    func queryRedaction() {
        #expect(Redaction.redactQuery("/a/b") == "/a/b")
        #expect(Redaction.redactQuery("/a?q=1&page=2") == "/a?q=1&page=2")
        #expect(Redaction.redactQuery("/cb?state=xyz&code=abc") == "/cb?state=xyz&code=[REDACTED]")
        #expect(Redaction.redactQuery("/x?Refresh_Token=r&db_password=p&apikey=k") == "/x?Refresh_Token=[REDACTED]&db_password=[REDACTED]&apikey=[REDACTED]")
        #expect(Redaction.redactQuery("/x?token&&token=&sig=s") == "/x?token&&token=&sig=[REDACTED]")
        #expect(Redaction.redactQuery("/x?promo_code=SAVE&keyword=k") == "/x?promo_code=SAVE&keyword=k")
    }

    @Test("percent-encoded or plus-encoded parameter names are matched as the application decodes them")
    func encodedQueryNames() {
        #expect(Redaction.redactQuery("/cb?%63ode=SECRET&api%5Fkey=SECRET") == "/cb?%63ode=[REDACTED]&api%5Fkey=[REDACTED]")
        #expect(Redaction.redactQuery("/x?%54OKEN=s&access%5ftoken=t&q=%63ode") == "/x?%54OKEN=[REDACTED]&access%5ftoken=[REDACTED]&q=%63ode")
        #expect(Redaction.redactQuery("/x?%zzcode=1&a+b=2&%6=3") == "/x?%zzcode=1&a+b=2&%6=3")
    }

    @Test("strings with quotes and control characters stay valid JSON")
    func escaping() throws {
        var writer = JSONLineWriter()
        writer.field("path", string: "/a\"b\\c\n\u{1}")
        let text = writer.finish()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: String])
        #expect(object["path"] == "/a\"b\\c\n\u{1}")
    }

    @Test("host:port values are written as HostPort.description would be, IPv6 hosts in brackets")
    func hostPorts() throws {
        let targets = [HostPort(host: "app", port: 8000), HostPort(host: "::1", port: 80), HostPort(host: "a\"b", port: 7)]
        var line = JSONLineWriter()
        line.field(literal: "first", hostPort: targets[0])
        line.field(literal: "second", hostPort: targets[1])
        line.field(literal: "third", hostPort: targets[2])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.finish().utf8)) as? [String: String])
        #expect(object == ["first": "app:8000", "second": "[::1]:80", "third": "a\"b:7"])
        #expect(targets.map(\.description) == ["app:8000", "[::1]:80", "a\"b:7"])
    }

    @Test("numbers: integers, fixed-point milliseconds and timestamps are written exactly")
    func numbers() throws {
        var lines = Array("earlier\n".utf8)
        var writer = JSONLineWriter(appendingTo: &lines)
        #expect(lines.isEmpty)
        writer.field("zero", int: 0)
        writer.field(literal: "negative", int: -42)
        writer.field("big", int: 1_234_567_890_123)
        writer.field("ms", fixedPoint: 12_045, fractionDigits: 3)
        writer.field(literal: "tiny", fixedPoint: 7, fractionDigits: 3)
        writer.field(literal: "unicode", string: "grüße ✓ \"quoted\"")
        writer.field(literal: "level", verbatim: "info")
        let batch = writer.finishLine()
        let expected = "earlier\n"
            + #"{"zero":0,"negative":-42,"big":1234567890123,"ms":12.045,"tiny":0.007,"unicode":"grüße ✓ \"quoted\"","level":"info"}"#
            + "\n"
        #expect(String(decoding: batch, as: UTF8.self) == expected)
        #expect(Timestamp.iso8601(seconds: 1_795_420_289, milliseconds: 7) == "2026-11-23T07:51:29.007Z")
        #expect(Timestamp.iso8601(seconds: 0, milliseconds: 999) == "1970-01-01T00:00:00.999Z")
    }
}
