import Foundation

/// One numbered SQL file of `migrations/` (embedded in the binary as a resource).
public struct Migration: Sendable, Equatable {
    public let version: Int
    /// The file name without `.sql`, e.g. `001_schema`.
    public let name: String
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// The migrations shipped inside this binary, in version order.
    public static func bundled() throws -> [Migration] {
        guard let directory = Bundle.module.url(forResource: "Migrations", withExtension: nil) else {
            throw MigrationError.bundleMissing
        }
        return try load(from: directory)
    }

    /// Reads `NNN_name.sql` files from a directory; other files are ignored. Two files with one
    /// number, or a gap in the numbering, are refused.
    public static func load(from directory: URL) throws -> [Migration] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        var migrations: [Migration] = []
        for file in names where file.hasSuffix(".sql") {
            let name = String(file.dropLast(4))
            guard let digits = name.split(separator: "_", maxSplits: 1).first, let version = Int(digits) else {
                throw MigrationError.badFileName(file)
            }
            let sql = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            migrations.append(Migration(version: version, name: name, sql: sql))
        }
        migrations.sort { $0.version < $1.version }
        for (index, migration) in migrations.enumerated() where migration.version != index + 1 {
            throw MigrationError.badNumbering(expected: index + 1, found: migration.name)
        }
        return migrations
    }
}

/// Why migrating stopped. Messages name the versions involved and what to do.
public enum MigrationError: Error, Equatable, CustomStringConvertible {
    case bundleMissing
    case badFileName(String)
    case badNumbering(expected: Int, found: String)
    /// The database has migrations this binary does not know.
    case databaseNewer(databaseVersion: Int, databaseName: String, binaryVersion: Int, binaryName: String)
    /// The database recorded a different file under a version this binary knows.
    case mismatch(version: Int, databaseName: String, binaryName: String)
    /// A migration's SQL failed; nothing of it was applied.
    case failed(version: Int, name: String, message: String)

    public var description: String {
        switch self {
        case .bundleMissing:
            return "the migrations resource is missing from this build of pushworker"
        case .badFileName(let file):
            return "migration file '\(file)' is not named NNN_description.sql"
        case .badNumbering(let expected, let found):
            return "migrations must be numbered 1, 2, 3, …: expected version \(expected), found '\(found)'"
        case .databaseNewer(let databaseVersion, let databaseName, let binaryVersion, let binaryName):
            return "the database schema is at migration \(databaseVersion) (\(databaseName)) but this "
                + "pushworker only knows migrations up to \(binaryVersion) (\(binaryName)); "
                + "use a pushworker at least as new as the database"
        case .mismatch(let version, let databaseName, let binaryName):
            return "migration \(version) was applied as '\(databaseName)' but this pushworker "
                + "ships it as '\(binaryName)'; the database and the binary come from different histories"
        case .failed(let version, let name, let message):
            return "migration \(version) (\(name)) failed and was rolled back: \(message)"
        }
    }
}
