/// Chooses how many notifications the next connection carries before its probe.
///
/// Every notification written after a rejected one is discarded by the gateway and must be
/// resent, and nothing tells the client how far the gateway has read. With rare rejections a
/// large window is best (one TLS handshake per many notifications); when rejections are frequent
/// (stale tokens), a window much larger than the typical run of accepted notifications before a
/// rejection only produces resends. So the window follows the evidence, like TCP's slow start:
/// it starts at ``initial``, doubles after a connection that filled its window without a
/// rejection, and after a rejection becomes about twice the (smoothed) number of notifications
/// that preceded rejections. Sizing only affects throughput, never what counts as accepted.
public struct WindowSizing: Sendable, Hashable {
    public let minimum: Int
    public let maximum: Int
    /// The capacity for the next connection.
    public private(set) var current: Int
    /// Smoothed length of the runs that ended in a rejection (accepted ones plus the rejected one).
    private var meanRun: Double?

    public init(minimum: Int = 64, initial: Int = 1_024, maximum: Int) {
        precondition(minimum >= 1 && minimum <= maximum)
        self.minimum = minimum
        self.maximum = maximum
        self.current = Swift.min(Swift.max(initial, minimum), maximum)
    }

    /// A connection's notification was rejected after `accepted` notifications were accepted.
    public mutating func rejected(afterAccepting accepted: Int) {
        let run = Double(accepted + 1)
        let mean = meanRun.map { 0.7 * $0 + 0.3 * run } ?? run
        meanRun = mean
        current = clamp(Int(2 * mean))
    }

    /// A connection ended without a rejection (probe answered or shutdown) after `accepted`
    /// notifications; if it used its whole window, the next one gets twice as many.
    public mutating func provedWithoutRejection(accepted: Int, capacity: Int) {
        guard accepted >= capacity else { return }
        meanRun = nil
        current = clamp(capacity * 2)
    }

    private func clamp(_ value: Int) -> Int {
        Swift.min(Swift.max(value, minimum), maximum)
    }
}
