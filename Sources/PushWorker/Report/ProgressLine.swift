import JobQueue

/// The one-line live view of `report --watch`:
///
///     campaign 12 [##############..............]  48.0%  9,600 of 20,000  4,210/s  eta 2.47 s  sending
///
/// Pure: the same progress and rate always give the same line.
enum ProgressLine {
    static let barWidth = 30

    static func render(_ progress: CampaignProgress, rate: Double?) -> String {
        var parts = ["campaign \(progress.campaignID.rawValue) \(bar(done: progress.done, total: progress.total))"]
        parts.append(progress.fractionDone.map(HumanFormat.percent) ?? "-")
        parts.append("\(HumanFormat.count(progress.done)) of \(HumanFormat.count(progress.total))")
        if let rate {
            parts.append(HumanFormat.rate(rate))
            if !progress.status.isSettled, rate > 0, progress.total > progress.done {
                parts.append("eta " + HumanFormat.duration(Double(progress.total - progress.done) / rate))
            }
        }
        parts.append(progress.status.rawValue)
        return parts.joined(separator: "  ")
    }

    /// `[#####.....]`, `width` cells between the brackets. Full only when everything is done; an
    /// empty campaign shows an empty bar.
    static func bar(done: Int64, total: Int64, width: Int = barWidth) -> String {
        var filled = 0
        if total > 0 {
            filled = Int(Double(width) * Double(min(done, total)) / Double(total))
            if done < total { filled = min(filled, width - 1) }
        }
        return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
    }
}

/// Tokens per second over a sliding window of recent samples (done count at a time), so the rate
/// follows changes within a few seconds without jumping on every poll.
struct RateEstimator {
    /// Samples older than this (seconds before the newest) are dropped.
    let window: Double
    private var samples: [(seconds: Double, done: Int64)] = []

    init(window: Double = 5) {
        self.window = window
    }

    /// Records the done count seen at `seconds` (any monotonic clock, in seconds).
    mutating func record(done: Int64, at seconds: Double) {
        samples.append((seconds, done))
        while let first = samples.first, seconds - first.seconds > window, samples.count > 2 {
            samples.removeFirst()
        }
    }

    /// Tokens per second between the oldest and newest sample; `nil` until two samples apart in time.
    var rate: Double? {
        guard let first = samples.first, let last = samples.last, last.seconds > first.seconds else { return nil }
        return Double(max(0, last.done - first.done)) / (last.seconds - first.seconds)
    }
}

/// How watch lines reach a stream: redrawn in place on a terminal, one plain line per change
/// otherwise (so a log file gets a line when something moved, not one per second).
struct WatchDisplay {
    let isTerminal: Bool
    private var lastLine: String?

    init(isTerminal: Bool) {
        self.isTerminal = isTerminal
    }

    /// The text to write for `line`, or `nil` when nothing needs writing.
    mutating func frame(_ line: String) -> String? {
        defer { lastLine = line }
        if isTerminal { return "\r\u{1B}[2K" + line }
        return line == lastLine ? nil : line + "\n"
    }

    /// The text that ends the live view (the newline after an in-place line).
    func finish() -> String {
        isTerminal && lastLine != nil ? "\n" : ""
    }
}
