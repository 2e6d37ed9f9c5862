/// Why a token-authentication key could not be set up. Names the file or setting; never shows
/// key material.
public struct ProviderKeyError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
