/// Why a campaign's parameters cannot be sent over the HTTP/2 API. The message names the field
/// and the rule, never the payload.
public struct HTTP2ContentError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
