import ArgumentParser
import Foundation
import JobQueue

/// `--database-url` or `--database-url-file`, falling back to `PUSHWORKER_DATABASE_URL` and then
/// `PUSHWORKER_DATABASE_URL_FILE`; shared by every command that talks to PostgreSQL. The file form
/// is for secrets mounted as files (Kubernetes Secrets, Docker and systemd credentials).
public struct DatabaseOptions: ParsableArguments {
    public static let environmentVariable = "PUSHWORKER_DATABASE_URL"
    public static let fileEnvironmentVariable = "PUSHWORKER_DATABASE_URL_FILE"

    @Option(name: .customLong("database-url"),
            help: "postgres://user:password@host:port/database?sslmode=disable|prefer|require|verify-ca|verify-full (default: $PUSHWORKER_DATABASE_URL)")
    public var databaseURL: String?

    @Option(name: .customLong("database-url-file"),
            help: "A file holding the database URL, e.g. a mounted secret (default: $PUSHWORKER_DATABASE_URL_FILE).")
    public var databaseURLFile: String?

    public init() {}

    public func validate() throws {
        guard databaseURL == nil || databaseURLFile == nil else {
            throw ValidationError("pass --database-url or --database-url-file, not both")
        }
    }

    /// The parsed URL; a missing, unreadable or malformed one is a usage error that never echoes
    /// the password (nor the file's contents).
    public func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> DatabaseURL {
        let text: String
        if let databaseURL {
            text = databaseURL
        } else if let databaseURLFile {
            text = try Self.read(databaseURLFile)
        } else if let fromEnvironment = environment[Self.environmentVariable], !fromEnvironment.isEmpty {
            text = fromEnvironment
        } else if let file = environment[Self.fileEnvironmentVariable], !file.isEmpty {
            text = try Self.read(file)
        } else {
            throw ValidationError(
                "no database: pass --database-url or --database-url-file, or set \(Self.environmentVariable) or \(Self.fileEnvironmentVariable)")
        }
        guard !text.isEmpty else {
            throw ValidationError("no database: the database URL is empty")
        }
        do {
            return try DatabaseURL(parsing: text)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    /// The first line of `path`, without surrounding white space.
    static func read(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path), let contents = String(data: data, encoding: .utf8) else {
            throw ValidationError("cannot read the database URL file \(path)")
        }
        let firstLine = contents.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        return firstLine.trimmingCharacters(in: .whitespaces)
    }
}
