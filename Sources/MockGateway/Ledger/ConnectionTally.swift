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
    /// HTTP/2 rejections by reason; almost always empty.
    var rejectedReasons: [HTTP2Reason: Int] = [:]
    var goAwaysSent = 0
    var streamLimitChanges = 0
    /// Token+payload digests of the accepted notifications, for duplicate counting.
    var digests: [UInt64] = []
    /// Ledger lines of the accepted notifications.
    var ledgerLines = ByteBuffer()

    var isEmpty: Bool {
        accepted == 0 && discarded == 0 && rejected.isEmpty && shutdownsSent == 0 && abruptCloses == 0
            && unparseableCloses == 0 && rejectedReasons.isEmpty && goAwaysSent == 0 && streamLimitChanges == 0
    }

    mutating func reset() {
        accepted = 0
        discarded = 0
        if !rejected.isEmpty { rejected.removeAll() }
        shutdownsSent = 0
        abruptCloses = 0
        unparseableCloses = 0
        if !rejectedReasons.isEmpty { rejectedReasons.removeAll() }
        goAwaysSent = 0
        streamLimitChanges = 0
        digests.removeAll(keepingCapacity: true)
        ledgerLines.clear()
    }

    /// Counts one accepted notification: its ledger line (when `writesLedger`) and its digest
    /// for duplicate counting (when `tracksDuplicates`).
    mutating func countAccepted(
        connection: UInt64,
        format: UInt8,
        identifier: UInt32,
        deviceToken: ByteBuffer,
        payload: ByteBuffer,
        writesLedger: Bool,
        tracksDuplicates: Bool
    ) {
        accepted += 1
        guard tracksDuplicates || writesLedger else { return }
        let payloadDigest = payload.fnv1a64()
        if tracksDuplicates {
            digests.append((deviceToken.fnv1a64() &* 0x9E37_79B9_7F4A_7C15) ^ payloadDigest)
        }
        guard writesLedger else { return }
        let tab = UInt8(ascii: "\t")
        ledgerLines.writeDecimal(connection)
        ledgerLines.writeInteger(tab)
        ledgerLines.writeDecimal(format)
        ledgerLines.writeInteger(tab)
        ledgerLines.writeDecimal(identifier)
        ledgerLines.writeInteger(tab)
        ledgerLines.writeHex(of: deviceToken)
        ledgerLines.writeInteger(tab)
        ledgerLines.writeDecimal(payload.readableBytes)
        ledgerLines.writeInteger(tab)
        ledgerLines.writeHex(of: payloadDigest)
        ledgerLines.writeInteger(UInt8(ascii: "\n"))
    }
}
