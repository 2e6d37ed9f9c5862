import Foundation
import Testing

/// Every SQL statement is parameterised: values reach PostgreSQL only as bound parameters of
/// `PostgresQuery` interpolation, never spliced into the text. PostgresNIO has exactly these ways
/// to put a string into SQL text unbound, and this test fails on any use of them outside the short
/// list below, each entry with its justification and its exact count of uses.
@Suite("Parameterised SQL")
struct SQLTextTests {
    /// The constructs that put text into SQL unbound.
    static let splicing = ["unescaped:", "unsafeSQL", "PostgresQuery(stringLiteral:", "simpleQuery("]

    /// Allowed uses: file (from the repository root) → (uses, why it is safe). The product
    /// (`Sources/`) has none; only test fixtures splice identifiers they generate themselves.
    static let allowed: [String: (uses: Int, justification: String)] = [
        "Tests/TestSupport/TestDatabase.swift": (2, "CREATE/DROP DATABASE of a name made of a fixed prefix and random digits; identifiers cannot be bound"),
        "Tests/PushWorkerTests/Security/LoginRole.swift": (4, "CREATE/DROP ROLE of a name made of a fixed prefix and random digits, and a fixed group role name; identifiers cannot be bound"),
        "Tests/JobQueueTests/QueueFixtures.swift": (1, "named-argument text written in the test source itself (never input) appended to a create_campaign call"),
    ]

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// Uses of the splicing constructs per file (relative path), over the Swift files below `folder`.
    static func uses(under folder: String) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        let base = root.appendingPathComponent(folder)
        guard let files = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil) else {
            throw CocoaError(.fileReadNoSuchFile)
        }
        for case let file as URL in files where file.pathExtension == "swift" {
            let relative = String(file.path.dropFirst(root.path.count + 1))
            guard relative != "Tests/PushWorkerTests/Security/SQLTextTests.swift" else { continue }
            let text = try String(contentsOf: file, encoding: .utf8)
            let found = splicing.reduce(0) { $0 + text.components(separatedBy: $1).count - 1 }
            if found > 0 { counts[relative] = found }
        }
        return counts
    }

    @Test("the product builds no SQL text from values: no unbound splicing anywhere in Sources/")
    func productSplicesNothing() throws {
        let sources = try Self.uses(under: "Sources")
        #expect(sources.isEmpty, "SQL text spliced in \(sources); bind values through PostgresQuery interpolation instead")
    }

    @Test("test fixtures splice only the identifiers on the allowed list, each justified")
    func testsSpliceOnlyAllowedIdentifiers() throws {
        let tests = try Self.uses(under: "Tests")
        // The scanner must see the known uses, or it scans nothing and proves nothing.
        #expect(tests.values.reduce(0, +) == Self.allowed.values.map(\.uses).reduce(0, +), "\(tests)")
        for (file, count) in tests {
            guard let entry = Self.allowed[file] else {
                Issue.record("\(file) splices SQL text \(count) time(s) and is not on the allowed list")
                continue
            }
            #expect(count == entry.uses, "\(file): \(count) uses, \(entry.uses) allowed (\(entry.justification))")
        }
    }
}
