import Foundation

/// Numbers, durations and times as people read them in the table report and the watch line.
/// Independent of the locale, so output is the same on every host.
enum HumanFormat {
    /// `1234567` → `1,234,567`.
    static func count<Number: BinaryInteger>(_ value: Number) -> String {
        let digits = String(value.magnitude)
        var grouped = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { grouped.append(",") }
            grouped.append(digit)
        }
        return value < 0 ? "-" + grouped : grouped
    }

    /// A share 0...1 as `12.3%`.
    static func percent(_ fraction: Double) -> String {
        String(format: "%.1f%%", fraction * 100)
    }

    /// `part / whole` as `12.3%`; `-` when the whole is zero.
    static func percent(_ part: Int64, of whole: Int64) -> String {
        whole > 0 ? percent(Double(part) / Double(whole)) : "-"
    }

    /// Per second, rounded to a whole number: `98,123/s`.
    static func rate(_ perSecond: Double) -> String {
        count(Int64(perSecond.rounded())) + "/s"
    }

    /// Seconds at a precision that suits their size: `850 µs`, `12.3 ms`, `1.25 s`, `12.5 s`,
    /// `3 min 05 s`, `2 h 01 min`.
    static func duration(_ seconds: Double) -> String {
        let value = max(0, seconds)
        switch value {
        case ..<0.001: return String(format: "%.0f µs", value * 1_000_000)
        case ..<0.01: return String(format: "%.2f ms", value * 1000)
        case ..<1: return String(format: "%.1f ms", value * 1000)
        case ..<10: return String(format: "%.2f s", value)
        case ..<60: return String(format: "%.1f s", value)
        case ..<3600:
            let whole = Int(value.rounded())
            return String(format: "%ld min %02ld s", whole / 60, whole % 60)
        default:
            let minutes = Int((value / 60).rounded())
            return String(format: "%ld h %02ld min", minutes / 60, minutes % 60)
        }
    }

    /// UTC, to the second: `2026-11-29 09:14:03Z`.
    static func time(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle()).replacingOccurrences(of: "T", with: " ")
    }

    /// UTC with milliseconds, as JSON and CSV carry timestamps: `2026-11-29T09:14:03.250Z`.
    static func isoTime(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
