import APNSBinary

/// What the feedback service serves.
public struct FeedbackPlan: Sendable {
    /// Tuples served to each connection, in order.
    public var tuples: [FeedbackTuple]
    /// Cut the last tuple in half before closing, to test the client's truncation error.
    public var truncateLastTuple: Bool
    /// Serve the list once, then an empty list, as APNs clears the list once it is read.
    public var clearOnceRead: Bool
    /// Leave the connection open after the last tuple, like a service that never says it is
    /// done: the client must end the read by its own idle timeout.
    public var keepOpen: Bool

    public init(
        tuples: [FeedbackTuple] = [], truncateLastTuple: Bool = false, clearOnceRead: Bool = false,
        keepOpen: Bool = false
    ) {
        self.tuples = tuples
        self.truncateLastTuple = truncateLastTuple
        self.clearOnceRead = clearOnceRead
        self.keepOpen = keepOpen
    }
}
