import NIOCore

/// What one connection did since it last reported; merged into the shared counters once per
/// socket read so the hot path takes no lock per notification.
struct ConnectionTally {
    var accepted = 0
    var discarded = 0
    /// Rejections by raw status byte; almost always empty.
    var rejected: [UInt8: Int] = [:]
    var shutdownsSent = 0
    var abruptCloses = 0
    var unparseableCloses = 0
    /// Token+payload digests of the accepted notifications, for duplicate counting.
    var digests: [UInt64] = []
    /// Ledger lines of the accepted notifications.
    var ledgerLines = ByteBuffer()

    var isEmpty: Bool {
        accepted == 0 && discarded == 0 && rejected.isEmpty && shutdownsSent == 0 && abruptCloses == 0
            && unparseableCloses == 0
    }

    mutating func reset() {
        accepted = 0
        discarded = 0
        if !rejected.isEmpty { rejected.removeAll() }
        shutdownsSent = 0
        abruptCloses = 0
        unparseableCloses = 0
        digests.removeAll(keepingCapacity: true)
        ledgerLines.clear()
    }
}
