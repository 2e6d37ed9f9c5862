import ArgumentParser
import Foundation
import MockGateway
import UnixSignals

/// `pushworker mock-gateway run`: serves until SIGINT/SIGTERM, then prints its counters.
struct MockGatewayRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Serves the binary gateway, the feedback service and optionally HTTP/2 until SIGINT or SIGTERM."
    )

    @Option(help: "Address to listen on.")
    var host: String = "127.0.0.1"

    @Option(help: "Binary gateway port (0 picks a free one).")
    var port: Int = 2195

    @Option(help: "Feedback service port (0 picks a free one).")
    var feedbackPort: Int = 2196

    @Flag(help: "Run no feedback service.")
    var noFeedback = false

    @Option(help: "Gateway certificate (PEM). With --key and --client-ca; or use --generate-certs.")
    var certificate: String?

    @Option(help: "Gateway private key (PEM, unencrypted).")
    var key: String?

    @Option(help: "CA certificate(s) (PEM) that client certificates must be signed by.")
    var clientCa: String?

    @Option(help: "Generate a throwaway CA, gateway and client certificate set into this folder and use it.")
    var generateCerts: String?

    @OptionGroup var generated: GeneratedIdentityOptions

    @OptionGroup var faults: MockGatewayFaultOptions

    @OptionGroup var http2: MockGatewayHTTP2Options

    @Option(help: "Append one line per accepted notification to this file (format: GatewayLedger).")
    var ledger: String?

    @Option(help: "Rewrite the counters as JSON into this file every second.")
    var statsFile: String?

    @Flag(help: "Do not count duplicates (saves ~16 bytes per distinct accepted notification on long runs).")
    var noDuplicateTracking = false

    func run() async throws {
        let (tls, generatedFiles) = try serverTLS()
        var configuration = MockGatewayConfiguration(
            host: host,
            gatewayPort: port,
            feedbackPort: noFeedback ? nil : feedbackPort,
            tls: tls,
            ledgerPath: ledger,
            tracksDuplicates: !noDuplicateTracking
        )
        try faults.apply(to: &configuration)
        let configFile = try faults.config.map { try FaultPlanFile.load(path: $0) }
        configuration.http2 = try http2.configuration(teamID: generated.teamId, generated: generatedFiles, configFile: configFile)

        let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
        let gateway = try await MockGateway.start(configuration)
        print(
            "mock-gateway listening gateway=\(host):\(gateway.gatewayPort)"
                + (gateway.feedbackPort.map { " feedback=\(host):\($0)" } ?? "")
                + (gateway.http2Port.map { " http2=\(host):\($0)" } ?? "")
                + (ledger.map { " ledger=\($0)" } ?? "")
        )
        flushStandardOutput()

        let reporter = Task { await reportEverySecond(gateway) }
        for await signal in signals {
            print("mock-gateway received \(signal); stopping")
            break
        }
        reporter.cancel()
        _ = await reporter.value
        try await gateway.stop()
        let statistics = gateway.statistics()
        try writeStatistics(statistics)
        print(try Self.json(statistics, pretty: true))
        flushStandardOutput()
    }

    /// The gateway's TLS material, and the generated files when `--generate-certs` made them.
    private func serverTLS() throws -> (GatewayServerTLS, GatewayPKIFiles?) {
        if let generateCerts {
            let files = try generated.generate(into: generateCerts)
            print(generated.summary(of: files))
            let tls = try GatewayServerTLS(
                certificateFile: files.serverCertificate, keyFile: files.serverKey, clientCAFile: files.caCertificate)
            return (tls, files)
        }
        guard let certificate, let key, let clientCa else {
            throw ValidationError("give --certificate, --key and --client-ca, or --generate-certs DIR")
        }
        return (try GatewayServerTLS(certificateFile: certificate, keyFile: key, clientCAFile: clientCa), nil)
    }

    /// Flushes the ledger and rewrites the stats file once a second until cancelled; says within
    /// 0.1 s when reading stops or resumes (scripts time the stall by these lines).
    private func reportEverySecond(_ gateway: MockGateway) async {
        var readingStopped = false
        var tick = 0
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(100))
            if gateway.isReadingStopped != readingStopped {
                readingStopped.toggle()
                print("mock-gateway \(readingStopped ? "stopped" : "resumed") reading accepted=\(gateway.statistics().accepted)")
                flushStandardOutput()
            }
            tick += 1
            guard tick % 10 == 0 else { continue }
            do {
                try gateway.flushLedger()
                try writeStatistics(gateway.statistics())
            } catch {
                print("mock-gateway: \(error)")
            }
        }
    }

    private func writeStatistics(_ statistics: GatewayStatistics) throws {
        guard let statsFile else { return }
        let temporary = statsFile + ".tmp"
        try Data(Self.json(statistics, pretty: false).utf8).write(to: URL(fileURLWithPath: temporary))
        guard rename(temporary, statsFile) == 0 else {
            throw ValidationError("cannot replace the stats file \(statsFile) (errno \(errno))")
        }
    }

    static func json(_ statistics: GatewayStatistics, pretty: Bool) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys] : [.sortedKeys]
        return String(decoding: try encoder.encode(statistics), as: UTF8.self)
    }

    private func flushStandardOutput() {
        fflush(nil)
    }
}
