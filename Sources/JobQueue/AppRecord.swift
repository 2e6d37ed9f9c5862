/// One row of `push.app` with its effective endpoints (Apple's defaults filled in where the row
/// leaves host or port empty, as `push.app_endpoint` does): what a sender or the feedback job
/// needs to reach the app's gateway. Holds file names and the name of a passphrase source, never
/// a secret (for token authentication: the `.p8` key's file, key id and team id).
public struct AppRecord: Sendable, Hashable {
    public let id: AppID
    public let name: String
    public let topic: String
    /// `production` or `sandbox`.
    public let environment: String
    /// `binary` or `http2`.
    public let transport: String
    public let gatewayHost: String
    public let gatewayPort: Int
    /// `nil` for HTTP/2 apps (Apple serves no feedback service there).
    public let feedbackHost: String?
    public let feedbackPort: Int?
    /// `certificate` or `token`.
    public let auth: String
    public let certificatePath: String?
    public let privateKeyPath: String?
    /// Name of the environment variable holding the passphrase.
    public let passphraseEnv: String?
    /// File holding the passphrase.
    public let passphraseFile: String?
    /// PEM file of the CA(s) that sign the gateway's certificate; `nil` means the system roots.
    public let caFile: String?
    public let connectionsPerWorker: Int
    /// Token authentication (HTTP/2): the signing key's 10-character id.
    public let keyID: String?
    /// Token authentication (HTTP/2): the developer team's 10-character id.
    public let teamID: String?

    public init(
        id: AppID, name: String, topic: String, environment: String, transport: String,
        gatewayHost: String, gatewayPort: Int, feedbackHost: String?, feedbackPort: Int?, auth: String,
        certificatePath: String?, privateKeyPath: String?, passphraseEnv: String?, passphraseFile: String?,
        caFile: String?, connectionsPerWorker: Int, keyID: String? = nil, teamID: String? = nil
    ) {
        self.id = id
        self.name = name
        self.topic = topic
        self.environment = environment
        self.transport = transport
        self.gatewayHost = gatewayHost
        self.gatewayPort = gatewayPort
        self.feedbackHost = feedbackHost
        self.feedbackPort = feedbackPort
        self.auth = auth
        self.certificatePath = certificatePath
        self.privateKeyPath = privateKeyPath
        self.passphraseEnv = passphraseEnv
        self.passphraseFile = passphraseFile
        self.caFile = caFile
        self.connectionsPerWorker = connectionsPerWorker
        self.keyID = keyID
        self.teamID = teamID
    }
}
