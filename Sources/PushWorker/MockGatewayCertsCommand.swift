import ArgumentParser
import MockGateway

/// `pushworker mock-gateway certs --out DIR`: writes a throwaway CA, gateway and client
/// certificate set for tests and the demo.
struct MockGatewayCertsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "certs",
        abstract: "Writes a throwaway CA, gateway certificate, Apple-shaped client certificate (PEM and .p12) and token signing key (.p8)."
    )

    @Option(
        name: .long,
        help: "Folder to write ca.pem, server.pem, server-key.pem, client.pem, client-key.pem, client.p12, token-key.p8, token-key-public.pem, token-key-id.txt and team-id.txt into.")
    var out: String

    @OptionGroup var identity: GeneratedIdentityOptions

    func run() throws {
        let files = try identity.generate(into: out)
        print(identity.summary(of: files))
    }
}

/// Options shared by `certs` and `run --generate-certs`.
struct GeneratedIdentityOptions: ParsableArguments {
    @Option(name: .long, help: "Passphrase of the generated client.p12.")
    var p12Passphrase: String = "pushworker"

    @Option(name: .long, help: "App bundle id; the client certificate's subject is \"Apple Push Services: <topic>\".")
    var topic: String = "com.example.pushworker"

    @Option(name: .long, help: "Days the client certificate is valid (negative: already expired, for testing).")
    var clientValidDays: Int = 365

    @Option(name: .long, help: "Team id of the generated token signing key; the HTTP/2 gateway requires it as the tokens' iss.")
    var teamId: String = "MOCKTEAM01"

    @Option(name: .long, help: "A further DNS name of the gateway certificate besides localhost, e.g. a container's service name (repeatable).")
    var serverName: [String] = []

    func generate(into directory: String) throws -> GatewayPKIFiles {
        let validity: CertificateValidity =
            clientValidDays >= 0 ? .days(clientValidDays) : .expired(daysAgo: -clientValidDays)
        let pki = try GatewayPKI(options: GatewayPKI.Options(
            topic: topic, teamID: teamId, clientValidity: validity, extraServerNames: serverName))
        return try pki.write(to: directory, passphrase: p12Passphrase)
    }

    func summary(of files: GatewayPKIFiles) -> String {
        """
        wrote a throwaway PKI (not for production) to \(files.directory):
          CA certificate      \(files.caCertificate)
          gateway certificate \(files.serverCertificate)  key \(files.serverKey)
          client certificate  \(files.clientCertificate)  key \(files.clientKey)
          client bundle       \(files.clientPKCS12)  (passphrase given with --p12-passphrase)
          token signing key   \(files.tokenPrivateKey)  public \(files.tokenPublicKey)
                              key id in \(files.tokenKeyID), team id \(teamId) in \(files.teamID)
        """
    }
}
