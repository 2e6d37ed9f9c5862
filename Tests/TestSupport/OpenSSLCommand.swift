import Foundation

/// Runs the `openssl` command-line tool, for fixtures swift-certificates cannot make (legacy
/// PKCS#12, encrypted PEM keys). A missing tool is an error with instructions, never a skip.
public enum OpenSSLCommand {
    public static let path = "/usr/bin/openssl"

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Runs `openssl <arguments>`; throws with its output when it fails.
    public static func run(_ arguments: [String]) throws {
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw Failure(description: "this test needs the openssl CLI at \(path); install it (Debian: apt-get install openssl)")
        }
        let (status, output) = try ChildProcess.run(path, arguments)
        guard status == 0 else {
            throw Failure(description: "openssl \(arguments.first ?? "") failed (\(status)): \(output)")
        }
    }
}
