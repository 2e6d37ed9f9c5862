/// A plain-text table with aligned columns: a header row, then the rows, two spaces between
/// columns, no trailing spaces. Numbers are right-aligned, text left-aligned.
struct TextTable {
    enum Alignment {
        case left, right
    }

    struct Column {
        var title: String
        var alignment: Alignment
    }

    var columns: [Column]
    var rows: [[String]] = []
    /// Put in front of every line (e.g. an indent).
    var indent = ""

    init(_ columns: [(String, Alignment)], indent: String = "") {
        self.columns = columns.map { Column(title: $0.0, alignment: $0.1) }
        self.indent = indent
    }

    mutating func append(_ row: [String]) {
        precondition(row.count == columns.count, "a row needs one cell per column")
        rows.append(row)
    }

    func render() -> String {
        let all = [columns.map(\.title)] + rows
        let widths = columns.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            let cells = columns.indices.map { column -> String in
                let padding = String(repeating: " ", count: widths[column] - row[column].count)
                return columns[column].alignment == .right ? padding + row[column] : row[column] + padding
            }
            return indent + cells.joined(separator: "  ").trimmingTrailingSpaces()
        }.joined(separator: "\n")
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
