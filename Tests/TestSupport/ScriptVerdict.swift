import Foundation
import JobQueue

/// The result of `scripts/verdict`: the gateway's ledger compared with the database's outcomes
/// (definitions in `scripts/lib/verdict.sql`). End-to-end tests run it after a campaign to prove
/// nothing was lost, duplicated or left without an outcome.
public struct ScriptVerdict: Sendable, Equatable, CustomStringConvertible {
    public var accepted: Int
    public var rejected: Int
    public var lost: Int
    public var duplicates: Int
    public var unaccounted: Int
    /// The verdict line itself: `verdict accepted=… rejected=… lost=… duplicates=… unaccounted=…`.
    public var line: String
    /// The `verdict-detail` line's counts (enqueued, failed, delivered_unrecorded, ledger_foreign, …).
    public var detail: [String: Int]
    /// The script's exit status: 0 clean, 1 lost or unaccounted above zero.
    public var exitStatus: Int32

    public var description: String {
        "verdict accepted=\(accepted) rejected=\(rejected) lost=\(lost) duplicates=\(duplicates) "
            + "unaccounted=\(unaccounted) exit=\(exitStatus) \(detail.sorted { $0.key < $1.key })"
    }

    /// The script in this checkout.
    public static var script: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/verdict")
    }

    /// Runs `scripts/verdict` (needs `psql` on the PATH, as `scripts/test` provides) and parses
    /// its output; throws `ScriptVerdictError` with the script's output when it could not judge.
    public static func judge(
        database: DatabaseURL, ledger: String, invalidTokens: String? = nil, campaigns: [Int64] = []
    ) throws -> ScriptVerdict {
        var arguments = [script.path, "--database-url", database.revealingPassword, "--ledger", ledger]
        if let invalidTokens { arguments += ["--invalid-tokens", invalidTokens] }
        for campaign in campaigns { arguments += ["--campaign", String(campaign)] }
        let (status, output) = try ChildProcess.run("/usr/bin/env", ["bash"] + arguments)
        guard status <= 1, let verdict = parse(output, exitStatus: status) else {
            throw ScriptVerdictError(exitStatus: status, output: output)
        }
        return verdict
    }

    /// Parses the script's output (a `verdict-detail` line, then the `verdict` line).
    static func parse(_ output: String, exitStatus: Int32) -> ScriptVerdict? {
        let lines = output.split(separator: "\n")
        guard let verdictLine = lines.last(where: { $0.hasPrefix("verdict ") }) else { return nil }
        let main = fields(verdictLine)
        let detail = lines.last(where: { $0.hasPrefix("verdict-detail ") }).map(fields) ?? [:]
        guard let accepted = main["accepted"], let rejected = main["rejected"], let lost = main["lost"],
            let duplicates = main["duplicates"], let unaccounted = main["unaccounted"]
        else { return nil }
        return ScriptVerdict(
            accepted: accepted, rejected: rejected, lost: lost, duplicates: duplicates,
            unaccounted: unaccounted, line: String(verdictLine), detail: detail, exitStatus: exitStatus)
    }

    private static func fields(_ line: Substring) -> [String: Int] {
        var values: [String: Int] = [:]
        for field in line.split(separator: " ").dropFirst() {
            let parts = field.split(separator: "=", maxSplits: 1)
            if parts.count == 2, let value = Int(parts[1]) { values[String(parts[0])] = value }
        }
        return values
    }
}

/// `scripts/verdict` could not judge (usage or database error, e.g. two campaigns with one payload).
public struct ScriptVerdictError: Error, CustomStringConvertible {
    public var exitStatus: Int32
    public var output: String
    public var description: String { "scripts/verdict exited \(exitStatus): \(output)" }
}
