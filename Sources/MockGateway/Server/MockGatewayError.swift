/// The mock gateway could not be set up: certificates not generated or written, TLS files not
/// loaded, ledger not opened. The message names the file.
public struct MockGatewayError: Error, Sendable, CustomStringConvertible {
    public var message: String

    public init(message: String) {
        self.message = message
    }

    public var description: String { message }
}
