import PostgresNIO

/// Turns PostgresNIO errors into one line a person can act on: the server's SQLSTATE and message
/// when there is one. Bound values are never included (they may hold payloads or tokens).
public enum PostgresErrorText {
    public static func message(of error: any Error) -> String {
        if let transaction = error as? PostgresTransactionError {
            if let inner = transaction.closureError ?? transaction.commitError ?? transaction.beginError {
                return message(of: inner)
            }
        }
        if let psql = error as? PSQLError {
            if let server = psql.serverInfo, let text = server[.message] {
                let state = server[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
                return text + state
            }
            if let underlying = psql.underlying {
                return "\(psql.code): \(underlying)"
            }
            return "\(psql.code)"
        }
        return "\(error)"
    }

    /// The SQLSTATE the server sent, if any.
    public static func sqlState(of error: any Error) -> String? {
        if let transaction = error as? PostgresTransactionError,
           let inner = transaction.closureError ?? transaction.commitError ?? transaction.beginError {
            return sqlState(of: inner)
        }
        return (error as? PSQLError)?.serverInfo?[.sqlState]
    }
}
