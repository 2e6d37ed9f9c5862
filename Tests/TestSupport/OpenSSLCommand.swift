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
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let text = String(decoding: data, as: UTF8.self)
            throw Failure(description: "openssl \(arguments.first ?? "") failed (\(process.terminationStatus)): \(text)")
        }
    }
}
