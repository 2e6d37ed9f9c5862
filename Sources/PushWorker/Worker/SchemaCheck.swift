import JobQueue
import Logging

/// A database whose schema is older than this binary: run `pushworker migrate` first.
public struct SchemaOutOfDate: Error, CustomStringConvertible {
    public let missing: [String]
    public var description: String {
        "the database lacks migrations \(missing.joined(separator: ", ")); run `pushworker migrate` first"
    }
}

extension JobQueue {
    /// Throws ``SchemaOutOfDate`` unless every migration embedded in this binary is applied.
    func checkSchema() async throws {
        let migrator = try Migrator.bundled()
        let applied = try await Set(migrator.history(client: client, logger: logger).map(\.version))
        let missing = migrator.migrations.filter { !applied.contains($0.version) }
        guard missing.isEmpty else {
            throw SchemaOutOfDate(missing: missing.map(\.name))
        }
    }
}
