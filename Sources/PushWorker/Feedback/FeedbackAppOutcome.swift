import JobQueue

/// What the feedback job did for one app: the counts, or why it could not.
public struct FeedbackAppOutcome: Sendable, Hashable {
    public let app: String
    public let result: Result<FeedbackTally, FeedbackAppFailure>

    public init(app: String, result: Result<FeedbackTally, FeedbackAppFailure>) {
        self.app = app
        self.result = result
    }

    /// For people: `shop: 3 read, 1 disabled, 1 kept (registered again later), 1 unknown, …`
    /// or `shop: FAILED: <reason>`.
    public var summary: String {
        switch result {
        case .success(let tally):
            "\(app): \(tally.read) read, \(tally.disabled) disabled, \(tally.kept) kept (registered again later), "
                + "\(tally.unknown) unknown, \(tally.alreadyDisabled) already disabled, \(tally.repeated) repeated"
        case .failure(let failure):
            "\(app): FAILED: \(failure.message)"
        }
    }

    /// For scripts, one line of `key=value` pairs:
    /// `feedback app=shop read=3 disabled=1 kept=1 unknown=1 already_disabled=0 repeated=0`, or
    /// `feedback app=shop failed=credentials error="…"` (the error in double quotes, `\"` and `\\`
    /// escaped). The app name is quoted the same way when it holds a space, `=` or a quote.
    public var line: String {
        let name = Self.value(app)
        switch result {
        case .success(let tally):
            return "feedback app=\(name) read=\(tally.read) disabled=\(tally.disabled) kept=\(tally.kept) "
                + "unknown=\(tally.unknown) already_disabled=\(tally.alreadyDisabled) repeated=\(tally.repeated)"
        case .failure(let failure):
            return "feedback app=\(name) failed=\(failure.kind.rawValue) error=\(Self.quoted(failure.message))"
        }
    }

    static func value(_ text: String) -> String {
        text.isEmpty || text.contains(where: { $0 == " " || $0 == "=" || $0 == "\"" || $0 == "\\" }) ? quoted(text) : text
    }

    static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: " ") + "\""
    }
}

/// Why one app's feedback could not be read or recorded. Never holds a secret.
public struct FeedbackAppFailure: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// The app's certificate, key or passphrase could not be loaded, or a TLS peer refused it:
        /// also written to `push.app.credential_error`.
        case credentials
        /// The feedback service could not be reached or broke off.
        case unreachable
        /// The app has no feedback service (HTTP/2 apps).
        case unsupported
        /// The tuples were read but could not be recorded in PostgreSQL.
        case database
    }

    public let kind: Kind
    public let message: String

    public init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
