/// A passphrase for a `.p12` bundle or an encrypted PEM key.
///
/// It never prints itself: `description`, `debugDescription` and reflection all show
/// `<redacted>`, so it cannot leak into logs or error messages by interpolation.
public struct Passphrase: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    let bytes: [UInt8]

    public init(_ text: String) {
        self.bytes = Array(text.utf8)
    }

    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "Passphrase(<redacted>)" }
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}
