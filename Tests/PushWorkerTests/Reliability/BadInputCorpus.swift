import Foundation
import PostgresNIO

/// Scenario 6 of the reliability suite: the bad inputs operators and apps produce, each with the
/// exact error pushworker must give for it. `docs/reliability.md` ("Scenario 6: bad input")
/// prints the same table; a changed text fails ``BadInputTests`` until both are updated.
enum BadInputCorpus {
    /// What a case may refer to: things the test creates before it runs the statement.
    struct Setting: Sendable {
        /// A campaign of app `healthy` that was cancelled.
        var cancelledCampaign: Int64
        /// A live campaign of app `healthy`.
        var openCampaign: Int64
    }

    /// A statement of the SQL API and the error it must raise: SQLSTATE and message, word for word.
    struct RefusedCall: Sendable, CustomStringConvertible {
        var input: String
        var statement: @Sendable (Setting) -> PostgresQuery
        var sqlState: String
        var message: @Sendable (Setting) -> String

        var description: String { input }
    }

    static let tooLargePayload = #"{"aps":{"alert":""# + String(repeating: "x", count: 5_120 - 20) + #""}}"#
    static let longToken = String(repeating: "ab", count: 101)

    /// The SQL API's refusals (migration 002).
    static let refusedCalls: [RefusedCall] = [
        RefusedCall(
            input: "malformed hex token (not hex digits)",
            statement: { _ in "SELECT push.register_token('healthy', 'zz12')" },
            sqlState: "PWT01", message: { _ in "malformed hex token 'zz12': expected an even number of hex digits" }),
        RefusedCall(
            input: "malformed hex token (odd number of digits), enqueued by hex",
            statement: { setting in "SELECT push.enqueue_tokens(\(setting.openCampaign), ARRAY['abc'])" },
            sqlState: "PWT01", message: { _ in "malformed hex token 'abc': expected an even number of hex digits" }),
        RefusedCall(
            input: "empty token",
            statement: { _ in "SELECT push.register_token('healthy', '')" },
            sqlState: "PWT02", message: { _ in "token length 0 bytes is outside 1..100 bytes" }),
        RefusedCall(
            input: "101-byte token",
            statement: { _ in "SELECT push.register_tokens('healthy', ARRAY[\(longToken)])" },
            sqlState: "PWT02", message: { _ in "token length 101 bytes is outside 1..100 bytes" }),
        RefusedCall(
            input: "5 KB payload (binary transport)",
            statement: { _ in "SELECT push.create_campaign('healthy', \(tooLargePayload))" },
            sqlState: "PWP02", message: { _ in "payload 5120 bytes exceeds the limit 2048 of transport binary" }),
        RefusedCall(
            input: "payload that is not JSON",
            statement: { _ in "SELECT push.create_campaign('healthy', 'Sale starts now!')" },
            sqlState: "PWP01",
            message: { _ in "payload is not a JSON object: it is not valid JSON (invalid input syntax for type json)" }),
        RefusedCall(
            input: "JSON array payload",
            statement: { _ in #"SELECT push.create_campaign('healthy', '[{"aps":{"alert":"hi"}}]')"# },
            sqlState: "PWP01", message: { _ in "payload is not a JSON object: it is a JSON array" }),
        RefusedCall(
            input: "unknown app",
            statement: { _ in #"SELECT push.create_campaign('no-such-app', '{"aps":{"alert":"hi"}}')"# },
            sqlState: "PWA01", message: { _ in "unknown app 'no-such-app'" }),
        RefusedCall(
            input: "unknown app (registering a token)",
            statement: { _ in "SELECT push.register_token('no-such-app', '0a0b')" },
            sqlState: "PWA01", message: { _ in "unknown app 'no-such-app'" }),
        RefusedCall(
            input: "enqueue into a cancelled campaign",
            statement: { setting in "SELECT push.enqueue_campaign(\(setting.cancelledCampaign))" },
            sqlState: "PWC02", message: { setting in "campaign \(setting.cancelledCampaign) is cancelled" }),
        RefusedCall(
            input: "enqueue into an unknown campaign",
            statement: { _ in "SELECT push.enqueue_campaign(987654321)" },
            sqlState: "PWC01", message: { _ in "unknown campaign 987654321" }),
    ]

    /// The recorded texts of the worker-side cases (`push.app.credential_error` and
    /// `push.outcome`), given the files involved.
    enum Recorded {
        static func wrongPassphrase(app: String, bundle: String) -> String {
            "app \(app): the passphrase does not open the PKCS#12 bundle \(bundle)"
        }

        static func missingCertificate(app: String, file: String) -> String {
            "app \(app): the PKCS#12 bundle file \(file) does not exist"
        }

        /// Every token of a campaign that expired or was cancelled before it was sent: the kind
        /// says why; no reason is recorded.
        static let expired: String? = nil
        static let cancelled: String? = nil

        /// A 16-byte token the gateway refuses (it wants 32): recorded and the token disabled.
        static let wrongSizeToken = (kind: "rejected", code: Int32(5), reason: "invalid_token_size",
                                     disabledReason: "invalid_token_size (status 5)")
    }
}
