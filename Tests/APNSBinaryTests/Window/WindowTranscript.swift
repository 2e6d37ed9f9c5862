@testable import APNSBinary
import Testing

/// Drives an ``InFlightWindow`` and checks, after every step, that every written id is in exactly
/// one of: in flight, accepted, rejected, handed back for resend.
struct WindowTranscript {
    var window: InFlightWindow
    private(set) var written: [SequenceNumber] = []
    private(set) var accepted: [SequenceNumber] = []
    private(set) var rejected: [SequenceNumber] = []
    private(set) var resend: [SequenceNumber] = []
    private(set) var probes: [SequenceNumber] = []

    init(capacity: Int) {
        window = InFlightWindow(capacity: capacity)
    }

    /// Queues `count` notifications, expecting each to be written.
    mutating func queue(_ count: Int) {
        for _ in 0..<count {
            let action = step { $0.notificationQueued() }
            guard case .write = action else {
                Issue.record("expected a write, got \(action)")
                return
            }
        }
    }

    @discardableResult
    mutating func step(_ event: (inout InFlightWindow) -> InFlightWindow.Action) -> InFlightWindow.Action {
        let action = event(&window)
        switch action {
        case .write(let id):
            written.append(id)
        case .writeAndProbe(let id, let probe):
            written.append(id)
            probes.append(probe)
        case .writeProbe(let probe):
            probes.append(probe)
        case .settleAndClose(let settlement):
            accepted += Array(settlement.accepted)
            if let rejection = settlement.rejected { rejected.append(rejection.id) }
            resend += Array(settlement.resend)
        case .refuse, .close, .none:
            break
        }
        checkInvariant()
        return action
    }

    func checkInvariant(sourceLocation: SourceLocation = #_sourceLocation) {
        let inFlight = Array(window.unconfirmed)
        let all = inFlight + accepted + rejected + resend
        #expect(all.sorted() == written.sorted(), "each written id must be in exactly one set", sourceLocation: sourceLocation)
        #expect(Set(all).count == all.count, "an id is in two sets", sourceLocation: sourceLocation)
        #expect(written == Array(1..<SequenceNumber(written.count + 1)), "ids are 1, 2, 3…", sourceLocation: sourceLocation)
    }
}
