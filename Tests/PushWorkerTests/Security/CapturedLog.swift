import Foundation
import Logging

/// Every log record of the loggers it made, rendered to text with all metadata, kept in memory so
/// a test can search what a run would have written at any level.
final class CapturedLog: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []

    /// A logger at trace level (everything) writing into this capture.
    func logger(label: String = "pushworker.captured") -> Logger {
        var logger = Logger(label: label) { label in CapturingHandler(label: label, log: self) }
        logger.logLevel = .trace
        return logger
    }

    var text: String {
        lock.withLock { lines.joined(separator: "\n") }
    }

    var count: Int {
        lock.withLock { lines.count }
    }

    fileprivate func append(_ line: String) {
        lock.withLock { lines.append(line) }
    }
}

private struct CapturingHandler: LogHandler {
    let label: String
    let log: CapturedLog
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        let rendered = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let error = event.error.map { " error=\($0)" } ?? ""
        log.append("\(event.level) \(label) \(event.source) \(event.message) \(rendered)\(error)")
    }
}
