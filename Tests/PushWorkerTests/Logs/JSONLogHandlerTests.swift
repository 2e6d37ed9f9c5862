import Foundation
import Logging
import PushWorker
import Testing

@Suite("JSON log lines")
struct JSONLogHandlerTests {
    @Test("one object per line: timestamp, level, label, message, and the metadata as values")
    func lineShape() throws {
        var handler = JSONLogHandler(label: "pushworker")
        handler[metadataKey: "worker"] = "w1"
        let event = LogEvent(
            level: .warning, message: "claim failed; trying again",
            metadata: ["error": "connection refused", "jobs": .array(["1", "2"]), "worker": "override"],
            source: "PushWorker", file: #fileID, function: #function, line: #line)
        let data = handler.line(for: event)
        #expect(data.last == 0x0A)
        #expect(!data.dropLast().contains(0x0A), "a log line must not contain a newline")
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["level"] as? String == "warning")
        #expect(object["label"] as? String == "pushworker")
        #expect(object["message"] as? String == "claim failed; trying again")
        #expect(object["error"] as? String == "connection refused")
        #expect(object["jobs"] as? [String] == ["1", "2"])
        #expect(object["worker"] as? String == "override", "the event's metadata wins over the handler's")
        let timestamp = try #require(object["timestamp"] as? String)
        #expect(ISO8601DateFormatter().date(from: timestamp) != nil)
    }

    @Test("metadata cannot overwrite the fixed fields")
    func fixedFieldsWin() throws {
        let handler = JSONLogHandler(label: "pushworker")
        let event = LogEvent(level: .info, message: "hello", metadata: ["message": "forged", "level": "critical"],
                             source: "PushWorker", file: #fileID, function: #function, line: #line)
        let object = try #require(try JSONSerialization.jsonObject(with: handler.line(for: event)) as? [String: Any])
        #expect(object["message"] as? String == "hello")
        #expect(object["level"] as? String == "info")
    }
}
