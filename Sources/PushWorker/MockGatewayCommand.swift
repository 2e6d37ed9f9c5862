import ArgumentParser

/// `pushworker mock-gateway`: the APNs binary gateway stand-in that ships with the product.
public struct MockGatewayCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "mock-gateway",
        abstract: "Runs a mock APNs binary gateway and feedback service over mutual TLS, or makes its certificates.",
        discussion: """
            Without a subcommand, `run` is assumed: `pushworker mock-gateway --generate-certs ./certs`
            starts a gateway on 2195 and a feedback service on 2196 with a fresh throwaway CA.
            """,
        subcommands: [MockGatewayRunCommand.self, MockGatewayCertsCommand.self],
        defaultSubcommand: MockGatewayRunCommand.self
    )

    public init() {}
}
