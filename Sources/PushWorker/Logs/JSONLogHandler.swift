import Foundation
import Logging
import NIOConcurrencyHelpers

/// A swift-log handler writing one JSON object per line to standard error, for log collectors.
/// Metadata values become strings (nested dictionaries and arrays keep their shape).
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    public let label: String
    private static let output = NIOLockedValueBox(FileHandle.standardError)

    public init(label: String) {
        self.label = label
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        Self.output.withLockedValue { $0.write(line(for: event)) }
    }

    /// The line written for `event`, newline included.
    public func line(for event: LogEvent) -> Data {
        var merged = metadata
        if let extra = event.metadata {
            merged.merge(extra) { _, new in new }
        }
        var object: [String: Any] = [
            "timestamp": ISO8601DateFormatter().string(from: Date()),
            "level": event.level.rawValue,
            "label": label,
            "message": event.message.description,
        ]
        for (key, value) in merged where object[key] == nil {
            object[key] = Self.plain(value)
        }
        var data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        data.append(0x0A)
        return data
    }

    private static func plain(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case .string(let text): text
        case .stringConvertible(let convertible): convertible.description
        case .array(let values): values.map(plain)
        case .dictionary(let values): values.mapValues(plain)
        }
    }
}
