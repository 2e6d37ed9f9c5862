import Logging
import NIOSSL
import PostgresNIO

extension DatabaseURL {
    /// Opens and closes one connection, so that an unreachable server, a refused login or a
    /// missing database is reported with the server's own reason (the pool only says that it
    /// could not connect).
    public func probe(logger: Logger) async throws {
        let connection = try await PostgresConnection.connect(
            configuration: try connectionConfiguration(), id: 0, logger: logger)
        try await connection.close()
    }

    /// A single-connection configuration for this URL.
    public func connectionConfiguration() throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        switch tlsMode {
        case .disable:
            tls = .disable
        case .prefer:
            tls = .prefer(try NIOSSLContext(configuration: tlsConfiguration))
        default:
            tls = .require(try NIOSSLContext(configuration: tlsConfiguration))
        }
        return PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls)
    }
}
