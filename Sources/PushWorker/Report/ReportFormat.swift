import ArgumentParser

/// How `pushworker report` prints: aligned columns for people, JSON or CSV for programs.
public enum ReportFormat: String, CaseIterable, Sendable, ExpressibleByArgument {
    /// Aligned columns with human numbers (`1,234,567`, `1.25 s`).
    case table
    /// Stable snake_case keys, numbers as numbers, timestamps in ISO 8601 (UTC), explicit nulls.
    case json
    /// RFC 4180: a header row, then one `campaign_id,section,key,code,value` row per figure.
    case csv
}
