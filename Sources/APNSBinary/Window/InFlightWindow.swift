/// A connection-local notification identifier. The first notification written on a connection is
/// 1; 0 means "unknown" (the gateway uses it when it cannot name a notification).
public typealias SequenceNumber = UInt32

/// The bookkeeping of one gateway connection: which notifications were written, and what the
/// gateway's (rare) answers prove about them. No NIO, no clock, no storage of the notifications
/// themselves: the caller keeps those in an array indexed by `id - 1`.
///
/// The binary gateway never acknowledges success. It only writes one error response and closes.
/// So a written notification stays *unconfirmed* until one of these settles the whole window:
/// - an error response naming a written id `X` with any status but shutdown: `1..<X` accepted,
///   `X` rejected with the status, everything after `X` handed back for resend (the gateway
///   discarded it);
/// - a shutdown response (status 10) naming `X`: `1...X` accepted (for status 10 the id names the
///   *last accepted* notification), everything after handed back;
/// - the answer to the known-bad probe (its id, or id 0 with status `missingDeviceToken`):
///   everything written before the probe accepted;
/// - an id the window never wrote (0 included, other than the probe case above), or a close with no
///   response at all: nothing is proven, everything unconfirmed handed back for resend. The gateway
///   may have accepted some of it, so a resend can deliver a notification twice; this is the one
///   case where the protocol makes a duplicate unavoidable.
///
/// Nothing is ever inferred from silence or elapsed time. After settlement the window is finished;
/// the connection is closed and replaced.
public struct InFlightWindow: Sendable, Hashable {
    /// How the window's unconfirmed notifications were settled.
    public enum Cause: Hashable, Sendable {
        /// An error response naming a notification of this window.
        case rejected
        /// A shutdown response (status 10) naming the last accepted notification.
        case shutdown
        /// The gateway answered the known-bad probe: everything before it is accepted.
        case probeAnswered
        /// An error response naming an id this window never wrote (0 included).
        case unknownIdentifier(ErrorResponse)
        /// The connection closed without an error response.
        case closedWithoutResponse
    }

    /// What one settlement proves about each written id. The three ranges are disjoint and, with
    /// `rejected`, cover every notification id written on the connection.
    public struct Settlement: Hashable, Sendable {
        public var cause: Cause
        /// Proven accepted by the gateway.
        public var accepted: Range<SequenceNumber>
        /// Rejected with this status.
        public var rejected: (id: SequenceNumber, status: BinaryStatus)?
        /// Not (provably) processed: to be written again, in this order, on another connection.
        public var resend: Range<SequenceNumber>

        public init(
            cause: Cause, accepted: Range<SequenceNumber>,
            rejected: (id: SequenceNumber, status: BinaryStatus)? = nil, resend: Range<SequenceNumber>
        ) {
            self.cause = cause
            self.accepted = accepted
            self.rejected = rejected
            self.resend = resend
        }

        public static func == (lhs: Settlement, rhs: Settlement) -> Bool {
            lhs.cause == rhs.cause && lhs.accepted == rhs.accepted && lhs.resend == rhs.resend
                && lhs.rejected?.id == rhs.rejected?.id && lhs.rejected?.status == rhs.rejected?.status
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(cause)
            hasher.combine(accepted)
            hasher.combine(resend)
            hasher.combine(rejected?.id)
            hasher.combine(rejected?.status)
        }
    }

    /// What the connection must do after an event.
    public enum Action: Hashable, Sendable {
        /// Write the notification under this id.
        case write(SequenceNumber)
        /// Write the notification under this id; the window is now full, so write the probe under
        /// `probe` right after it.
        case writeAndProbe(SequenceNumber, probe: SequenceNumber)
        /// Write the known-bad probe under this id (idle or draining).
        case writeProbe(SequenceNumber)
        /// The window takes no more notifications (full, probing or settled): hand it back.
        case refuse
        /// Report the settlement and close the connection (if it is still open).
        case settleAndClose(Settlement)
        /// Close the connection; the close will settle the window.
        case close
        /// Nothing to do.
        case none
    }

    private enum State: Hashable, Sendable {
        /// Accepting notifications; `written` ids `1...written` are unconfirmed.
        case open(written: SequenceNumber)
        /// The probe went out under `written + 1`; no more writes.
        case probing(written: SequenceNumber)
        /// Settled; the connection is finished.
        case settled
    }

    /// The most notifications one connection carries before it is proven with the probe.
    public let capacity: SequenceNumber
    private var state: State

    /// - Parameter capacity: notifications per connection before the probe (at least 1, below
    ///   `UInt32.max`). Each connection's notifications are kept until it ends, so this bounds memory.
    public init(capacity: Int) {
        precondition(capacity >= 1 && capacity < Int(UInt32.max), "window capacity out of range")
        self.capacity = SequenceNumber(capacity)
        self.state = .open(written: 0)
    }

    /// Ids written and not yet settled (the probe excluded).
    public var unconfirmed: Range<SequenceNumber> {
        switch state {
        case .open(let written), .probing(let written): ids(1, through: written)
        case .settled: .noIDs
        }
    }

    /// Whether a notification offered now would be written.
    public var acceptsNotifications: Bool {
        if case .open(let written) = state { return written < capacity }
        return false
    }

    /// Whether the window is settled (the connection is finished).
    public var isSettled: Bool { state == .settled }

    // MARK: Events

    /// A notification is offered to this connection.
    public mutating func notificationQueued() -> Action {
        guard case .open(let written) = state, written < capacity else { return .refuse }
        let id = written + 1
        if id == capacity {
            state = .probing(written: id)
            return .writeAndProbe(id, probe: id + 1)
        }
        state = .open(written: id)
        return .write(id)
    }

    /// The connection has written nothing for a while; prove what is in flight.
    public mutating func idleDeadlineReached() -> Action {
        guard case .open(let written) = state, written > 0 else { return .none }
        state = .probing(written: written)
        return .writeProbe(written + 1)
    }

    /// The pool is draining: prove what is in flight, or close at once if there is nothing.
    public mutating func drainRequested() -> Action {
        switch state {
        case .open(0):
            return .close
        case .open(let written):
            state = .probing(written: written)
            return .writeProbe(written + 1)
        case .probing, .settled:
            return .none
        }
    }

    /// The probe was not answered in time: give up on the connection; the close settles it.
    public mutating func probeDeadlineReached() -> Action {
        guard case .probing = state else { return .none }
        return .close
    }

    /// The gateway's error response arrived.
    public mutating func errorResponseReceived(_ response: ErrorResponse) -> Action {
        let written: SequenceNumber
        let probe: SequenceNumber?
        switch state {
        case .open(let count):
            written = count
            probe = nil
        case .probing(let count):
            written = count
            probe = count + 1
        case .settled:
            return .none  // the gateway writes one response; anything after it changes nothing
        }
        state = .settled
        let id = response.identifier
        let all = ids(1, through: written)

        if let probe, id == probe || (id == 0 && response.status == .missingDeviceToken) {
            // Our notifications never lack a token (PushCore rejects empty tokens), so a
            // missing-token answer with id 0 can only be about the probe.
            return .settleAndClose(.init(cause: .probeAnswered, accepted: all, resend: .noIDs))
        }
        guard id >= 1 && id <= written else {
            return .settleAndClose(.init(cause: .unknownIdentifier(response), accepted: .noIDs, resend: all))
        }
        if response.status == .shutdown {
            return .settleAndClose(
                .init(cause: .shutdown, accepted: ids(1, through: id), resend: ids(id + 1, through: written)))
        }
        return .settleAndClose(
            .init(
                cause: .rejected, accepted: ids(1, through: id - 1), rejected: (id, response.status),
                resend: ids(id + 1, through: written)))
    }

    /// The connection closed (or failed). Settles everything unconfirmed for resend unless an
    /// error response already settled the window.
    public mutating func channelClosed() -> Action {
        switch state {
        case .open(let written), .probing(let written):
            state = .settled
            return .settleAndClose(
                .init(cause: .closedWithoutResponse, accepted: .noIDs, resend: ids(1, through: written)))
        case .settled:
            return .none
        }
    }
}

/// `first...last` as a half-open range, or ``Range/noIDs`` when it is empty, so that equal
/// settlements compare equal.
private func ids(_ first: SequenceNumber, through last: SequenceNumber) -> Range<SequenceNumber> {
    first <= last ? first..<(last + 1) : .noIDs
}

extension Range where Bound == SequenceNumber {
    /// The empty id range every settlement uses.
    public static var noIDs: Range<SequenceNumber> { 0..<0 }
}
