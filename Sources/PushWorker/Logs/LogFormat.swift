import ArgumentParser
import Foundation
import Logging

/// How log lines are written to standard error.
public enum LogFormat: String, CaseIterable, ExpressibleByArgument, Sendable {
    /// `2026-11-29T10:00:00Z info pushworker: message key=value …`
    case text
    /// One JSON object per line: `timestamp`, `level`, `label`, `message`, then the metadata.
    case json

    /// Installs the process-wide log handler (once per process).
    public func bootstrap(level: Logger.Level) {
        let format = self
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = switch format {
            case .text: StreamLogHandler.standardError(label: label)
            case .json: JSONLogHandler(label: label)
            }
            handler.logLevel = level
            return handler
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
