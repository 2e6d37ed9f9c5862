import APNSBinary
import APNSHTTP2
import Foundation
import JobQueue
import Logging
import NIOSSL

extension AppCredentials {
    /// What an HTTP/2 pool of `app` needs: its TLS context (ALPN h2; the provider certificate only
    /// for certificate authentication) and how its requests authenticate.
    ///
    /// - Token authentication: the row's `private_key_path` is the `.p8` signing key, with
    ///   `key_id` and `team_id`; one provider token is made and renewed for the pool.
    /// - Certificate authentication: as for the binary transport (`.p12` or PEM).
    ///
    /// - Throws: ``AppCredentialError`` naming the app and the file or setting at fault.
    public static func http2Connection(
        for app: AppRecord,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        logger: Logger
    ) throws -> (tlsContext: NIOSSLContext, authentication: HTTP2Authentication) {
        let gatewayEnvironment: GatewayEnvironment = app.environment == "sandbox" ? .sandbox : .production
        let trust: GatewayTrust = app.caFile.map { .certificateAuthorities(file: $0) } ?? .systemRoots
        do {
            switch app.auth {
            case "certificate":
                let source = try credentialSource(for: app, environment: environment)
                let identity = try ClientIdentity.load(from: source, logger: logger)
                let context = try HTTP2TLS.makeClientContext(identity: identity, trust: trust, environment: gatewayEnvironment)
                return (context, .certificate)
            case "token":
                guard let keyFile = app.privateKeyPath, let keyID = app.keyID, let teamID = app.teamID else {
                    throw AppCredentialError(app: app.name, message: "token auth needs private_key_path (.p8), key_id and team_id")
                }
                let signer = try ProviderTokenSigner(key: try ProviderKey.load(file: keyFile), keyID: keyID, teamID: teamID)
                let context = try HTTP2TLS.makeClientContext(identity: nil, trust: trust, environment: gatewayEnvironment)
                return (context, .token(ProviderTokenSource(signer: signer)))
            default:
                throw AppCredentialError(app: app.name, message: "auth '\(app.auth)' is not 'certificate' or 'token'")
            }
        } catch let error as CredentialError {
            throw AppCredentialError(app: app.name, message: error.message)
        } catch let error as ProviderKeyError {
            throw AppCredentialError(app: app.name, message: error.message)
        }
    }
}
