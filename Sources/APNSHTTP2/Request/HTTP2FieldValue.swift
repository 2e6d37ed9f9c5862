/// The rules RFC 9113 §8.2.1 sets for header field values, checked once where a value enters
/// (a campaign's topic and collapse id, a pool's authority) instead of on every request: the
/// connection's HTTP/2 handler runs without per-request header validation.
public enum HTTP2FieldValue {
    /// What is wrong with `value` as a regular field value (NUL, CR or LF), or `nil`.
    public static func problem(in value: String) -> String? {
        for byte in value.utf8 {
            switch byte {
            case 0x00: return "contains a NUL byte"
            case 0x0A: return "contains a line feed"
            case 0x0D: return "contains a carriage return"
            default: continue
            }
        }
        return nil
    }

    /// What is wrong with `value` as a pseudo-header value such as `:authority` (control
    /// characters, space, DEL), or `nil`.
    public static func pseudoHeaderProblem(in value: String) -> String? {
        if value.isEmpty { return "is empty" }
        for byte in value.utf8 where byte <= 0x20 || byte == 0x7F {
            return byte == 0x20 ? "contains a space" : "contains a control character"
        }
        return nil
    }
}
