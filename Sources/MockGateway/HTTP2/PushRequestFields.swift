import NIOHPACK

/// The header fields `PushRequestRules` and the connection read, found in one pass over a
/// request's header block (names compared case-insensitively; the first occurrence counts).
struct PushRequestFields: Sendable {
    var method: String?
    var path: String?
    var apnsID: String?
    var topic: String?
    var pushType: String?
    var priority: String?
    var expiration: String?
    var collapseID: String?
    var authorization: String?
    /// An `apns-*` header or `authorization` appears more than once.
    var hasDuplicates = false

    init(_ headers: HPACKHeaders) {
        for (name, value, _) in headers {
            if !take(name: name, value: value), name.utf8.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) {
                // HTTP/2 names are lowercase on the wire; only hand-built blocks get here.
                _ = take(name: name.lowercased(), value: value)
            }
        }
    }

    /// Stores `value` when `name` (lowercase) is one of the fields; whether it was.
    private mutating func take(name: String, value: String) -> Bool {
        switch name {
        case ":method": _ = Self.keep(value, in: &method)
        case ":path": _ = Self.keep(value, in: &path)
        case "apns-id": if Self.keep(value, in: &apnsID) { hasDuplicates = true }
        case "apns-topic": if Self.keep(value, in: &topic) { hasDuplicates = true }
        case "apns-push-type": if Self.keep(value, in: &pushType) { hasDuplicates = true }
        case "apns-priority": if Self.keep(value, in: &priority) { hasDuplicates = true }
        case "apns-expiration": if Self.keep(value, in: &expiration) { hasDuplicates = true }
        case "apns-collapse-id": if Self.keep(value, in: &collapseID) { hasDuplicates = true }
        case "authorization": if Self.keep(value, in: &authorization) { hasDuplicates = true }
        default: return false
        }
        return true
    }

    /// Stores `value` in an empty `field`; whether the field already had one.
    private static func keep(_ value: String, in field: inout String?) -> Bool {
        guard field == nil else { return true }
        field = value
        return false
    }
}
