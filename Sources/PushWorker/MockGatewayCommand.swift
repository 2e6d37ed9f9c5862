import ArgumentParser

/// `pushworker mock-gateway`: the APNs stand-in (binary gateway, feedback, HTTP/2) that ships
/// with the product.
public struct MockGatewayCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "mock-gateway",
        abstract: "Runs a mock APNs binary gateway, feedback service and HTTP/2 provider API over TLS, or makes its certificates.",
        discussion: """
            Without a subcommand, `run` is assumed: `pushworker mock-gateway --generate-certs ./certs`
            starts a gateway on 2195 and a feedback service on 2196 with a fresh throwaway CA;
            add `--http2-port 2197` for the HTTP/2 provider API (certificate or token authentication).
            """,
        subcommands: [MockGatewayRunCommand.self, MockGatewayCertsCommand.self],
        defaultSubcommand: MockGatewayRunCommand.self
    )

    public init() {}
}
