import PushWorker
import Testing

/// Settings carry the environment (app passphrases): printing, debug-printing or dumping them,
/// or anything that holds them, must never show a value.
@Suite("Settings never print the environment")
struct SettingsDescriptionTests {
    static let secret = "s3cret-passphrase-value"

    static func renderings(of value: Any) -> [String] {
        var dumped = ""
        dump(value, to: &dumped)
        return [String(describing: value), String(reflecting: value), dumped]
    }

    @Test("WorkerSettings and FeedbackJob.Settings print every setting but no environment value")
    func noEnvironmentValues() {
        var worker = WorkerSettings()
        worker.environment = ["APP_PASS": Self.secret]
        var feedback = FeedbackJob.Settings()
        feedback.environment = ["APP_PASS": Self.secret]
        struct Holder { let settings: WorkerSettings; let feedback: FeedbackJob.Settings }
        for text in Self.renderings(of: worker) + Self.renderings(of: feedback)
            + Self.renderings(of: Holder(settings: worker, feedback: feedback)) {
            #expect(!text.contains(Self.secret), "\(text)")
            #expect(text.contains("1 variables, values not shown"), "\(text)")
        }
    }
}
