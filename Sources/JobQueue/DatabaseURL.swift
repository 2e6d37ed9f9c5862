import Foundation
import NIOSSL
import PostgresNIO

/// A PostgreSQL connection URL: `postgres://user:password@host:port/database?sslmode=require`.
///
/// The password is kept for connecting but never printed: ``description`` masks it, so a
/// `DatabaseURL` can go into logs and error messages as it is.
public struct DatabaseURL: Sendable, Equatable, CustomStringConvertible {
    /// How the connection uses TLS; the names and meanings follow libpq's `sslmode`.
    public enum TLSMode: String, Sendable, CaseIterable {
        /// Plain TCP.
        case disable
        /// TLS when the server offers it, without verifying the server (libpq's default).
        case prefer
        /// TLS required, the server certificate is not verified.
        case require
        /// TLS required, the certificate must chain to a trusted root; the host name is not checked.
        case verifyCA = "verify-ca"
        /// TLS required, the certificate must chain to a trusted root and name the host.
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var tlsMode: TLSMode

    public init(host: String, port: Int = 5432, username: String, password: String? = nil,
                database: String, tlsMode: TLSMode = .prefer) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.tlsMode = tlsMode
    }

    /// Parses a `postgres://` or `postgresql://` URL. Percent-escapes in the user, password and
    /// database are decoded; the database defaults to the user name, the port to 5432.
    public init(parsing text: String) throws(DatabaseURLError) {
        guard let components = URLComponents(string: text) else {
            throw DatabaseURLError("is not a URL")
        }
        guard let scheme = components.scheme, ["postgres", "postgresql"].contains(scheme.lowercased()) else {
            throw DatabaseURLError("must start with postgres:// or postgresql://")
        }
        guard let host = components.host, !host.isEmpty else {
            throw DatabaseURLError("names no host")
        }
        guard let user = components.user, !user.isEmpty else {
            throw DatabaseURLError("names no user (postgres://USER@host/database)")
        }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        var mode = TLSMode.prefer
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let value = item.value, let parsed = TLSMode(rawValue: value) else {
                    let known = TLSMode.allCases.map(\.rawValue).joined(separator: ", ")
                    throw DatabaseURLError("has sslmode '\(item.value ?? "")'; expected one of \(known)")
                }
                mode = parsed
            default:
                throw DatabaseURLError("has the unsupported parameter '\(item.name)' (only sslmode is understood)")
            }
        }
        self.init(
            host: host,
            port: components.port ?? 5432,
            username: user.removingPercentEncoding ?? user,
            password: components.password.map { $0.removingPercentEncoding ?? $0 },
            database: path.isEmpty ? (user.removingPercentEncoding ?? user) : (path.removingPercentEncoding ?? path),
            tlsMode: mode
        )
    }

    /// The same URL pointing at another database on the same server.
    public func with(database: String) -> DatabaseURL {
        var copy = self
        copy.database = database
        return copy
    }

    /// The URL with the password replaced by `***`.
    public var description: String {
        render(password: password.map { _ in "***" })
    }

    /// The URL with the real password, for handing to another process or command. Never log it.
    public var revealingPassword: String {
        render(password: password.map { $0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0 })
    }

    private func render(password shown: String?) -> String {
        let user = username.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? username
        let credentials = shown.map { "\(user):\($0)" } ?? user
        let query = tlsMode == .prefer ? "" : "?sslmode=\(tlsMode.rawValue)"
        return "postgres://\(credentials)@\(host):\(port)/\(database)\(query)"
    }

    /// A PostgresNIO client configuration for this URL.
    public func clientConfiguration() -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS
        switch tlsMode {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(tlsConfiguration)
        default: tls = .require(tlsConfiguration)
        }
        return PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls)
    }

    /// Server verification per libpq's sslmode: none for prefer/require, the chain for verify-ca,
    /// chain and host name for verify-full.
    var tlsConfiguration: TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch tlsMode {
        case .disable, .prefer, .require: tls.certificateVerification = .none
        case .verifyCA: tls.certificateVerification = .noHostnameVerification
        case .verifyFull: tls.certificateVerification = .fullVerification
        }
        return tls
    }
}

/// A database URL that could not be parsed. The message never repeats the URL (it may hold a password).
public struct DatabaseURLError: Error, Equatable, CustomStringConvertible {
    public let problem: String

    init(_ problem: String) {
        self.problem = problem
    }

    public var description: String { "the database URL \(problem)" }
}
