import Foundation

extension Passphrase {
    /// Reads a passphrase from a file (its first line; a trailing newline is not part of it).
    /// Files keep passphrases out of `ps` output and shell history, unlike command-line flags.
    public static func read(fromFile path: String) throws -> Passphrase {
        let bytes = try CredentialFile.read(path, role: "passphrase")
        let firstLine = bytes.split(separator: UInt8(ascii: "\n"), maxSplits: 1, omittingEmptySubsequences: false).first ?? []
        var line = Array(firstLine)
        if line.last == UInt8(ascii: "\r") { line.removeLast() }
        return Passphrase(bytes: line)
    }

    /// Reads a passphrase from the environment variable `name`; `nil` when it is not set.
    public static func fromEnvironment(_ name: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> Passphrase? {
        environment[name].map { Passphrase($0) }
    }
}
