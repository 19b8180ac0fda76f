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

    @Test("strings with quotes and control characters stay valid JSON")
    func escaping() throws {
        var writer = JSONLineWriter()
        writer.field("path", string: "/a\"b\\c\n\u{1}")
        let text = writer.finish()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: String])
        #expect(object["path"] == "/a\"b\\c\n\u{1}")
    }
}
