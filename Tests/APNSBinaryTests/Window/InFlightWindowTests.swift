@testable import APNSBinary
import Testing

@Suite struct InFlightWindowTests {
    typealias Settlement = InFlightWindow.Settlement

    @Test func idsStartAtOneAndTheWindowIsBounded() {
        var t = WindowTranscript(capacity: 3)
        #expect(t.step { $0.notificationQueued() } == .write(1))
        #expect(t.step { $0.notificationQueued() } == .write(2))
        #expect(t.step { $0.notificationQueued() } == .writeAndProbe(3, probe: 4))
        #expect(t.step { $0.notificationQueued() } == .refuse)
        #expect(t.window.unconfirmed == 1..<4)
        #expect(t.step { $0.errorResponseReceived(.init(status: .missingDeviceToken, identifier: 4)) }
            == .settleAndClose(Settlement(cause: .probeAnswered, accepted: 1..<4, resend: .noIDs)))
        #expect(t.step { $0.channelClosed() } == .none)
        #expect(t.step { $0.notificationQueued() } == .refuse)
    }

    /// Every status but shutdown names the failed notification.
    @Test(arguments: BinaryStatus.documented.filter { $0 != .shutdown }
        + [9, 11, 42, 127, 200, 254].map { BinaryStatus(rawValue: $0) })
    func errorNamingXAcceptsBeforeRejectsXResendsAfter(status: BinaryStatus) {
        var t = WindowTranscript(capacity: 100)
        t.queue(5)
        #expect(t.step { $0.errorResponseReceived(.init(status: status, identifier: 3)) }
            == .settleAndClose(Settlement(cause: .rejected, accepted: 1..<3, rejected: (3, status), resend: 4..<6)))
        #expect(t.accepted == [1, 2] && t.rejected == [3] && t.resend == [4, 5])
        #expect(t.step { $0.channelClosed() } == .none)
    }

    @Test(arguments: BinaryStatus.documented.filter { $0 != .shutdown })
    func errorNamingTheFirstOrTheLast(status: BinaryStatus) {
        var first = WindowTranscript(capacity: 100)
        first.queue(3)
        #expect(first.step { $0.errorResponseReceived(.init(status: status, identifier: 1)) }
            == .settleAndClose(Settlement(cause: .rejected, accepted: .noIDs, rejected: (1, status), resend: 2..<4)))
        var last = WindowTranscript(capacity: 100)
        last.queue(3)
        #expect(last.step { $0.errorResponseReceived(.init(status: status, identifier: 3)) }
            == .settleAndClose(Settlement(cause: .rejected, accepted: 1..<3, rejected: (3, status), resend: .noIDs)))
    }

    @Test func shutdownNamesTheLastAcceptedNotification() {
        var t = WindowTranscript(capacity: 100)
        t.queue(4)
        #expect(t.step { $0.errorResponseReceived(.init(status: .shutdown, identifier: 2)) }
            == .settleAndClose(Settlement(cause: .shutdown, accepted: 1..<3, resend: 3..<5)))
        #expect(t.rejected.isEmpty)
    }

    @Test func shutdownNamingTheLastWrittenAcceptsAll() {
        var t = WindowTranscript(capacity: 100)
        t.queue(4)
        #expect(t.step { $0.errorResponseReceived(.init(status: .shutdown, identifier: 4)) }
            == .settleAndClose(Settlement(cause: .shutdown, accepted: 1..<5, resend: .noIDs)))
    }

    /// Status 10 with id 0 proves nothing: everything unconfirmed goes back.
    @Test func shutdownWithIdentifierZeroResendsEverything() {
        var t = WindowTranscript(capacity: 100)
        t.queue(4)
        let response = ErrorResponse(status: .shutdown, identifier: 0)
        #expect(t.step { $0.errorResponseReceived(response) }
            == .settleAndClose(Settlement(cause: .unknownIdentifier(response), accepted: .noIDs, resend: 1..<5)))
    }

    @Test(arguments: [SequenceNumber(0), 6, 7, 1_000, .max])
    func anIdentifierNotInTheWindowProvesNothing(identifier: SequenceNumber) {
        var t = WindowTranscript(capacity: 100)
        t.queue(5)
        let response = ErrorResponse(status: .invalidToken, identifier: identifier)
        #expect(t.step { $0.errorResponseReceived(response) }
            == .settleAndClose(Settlement(cause: .unknownIdentifier(response), accepted: .noIDs, resend: 1..<6)))
    }

    @Test func anErrorOnAnEmptyConnectionSettlesNothing() {
        var t = WindowTranscript(capacity: 100)
        let response = ErrorResponse(status: .processingError, identifier: 0)
        #expect(t.step { $0.errorResponseReceived(response) }
            == .settleAndClose(Settlement(cause: .unknownIdentifier(response), accepted: .noIDs, resend: .noIDs)))
    }

    @Test func closeWithoutResponseHandsBackEverythingUnconfirmed() {
        var t = WindowTranscript(capacity: 100)
        t.queue(7)
        #expect(t.step { $0.channelClosed() }
            == .settleAndClose(Settlement(cause: .closedWithoutResponse, accepted: .noIDs, resend: 1..<8)))
        #expect(t.step { $0.channelClosed() } == .none)
        #expect(t.step { $0.errorResponseReceived(.init(status: .invalidToken, identifier: 1)) } == .none)
    }

    @Test func onlyTheFirstErrorResponseCounts() {
        var t = WindowTranscript(capacity: 100)
        t.queue(3)
        t.step { $0.errorResponseReceived(.init(status: .invalidToken, identifier: 2)) }
        #expect(t.step { $0.errorResponseReceived(.init(status: .invalidToken, identifier: 3)) } == .none)
        #expect(t.accepted == [1] && t.rejected == [2] && t.resend == [3])
    }

    @Test func idleProbeConfirmsEverythingBeforeIt() {
        var t = WindowTranscript(capacity: 100)
        #expect(t.step { $0.idleDeadlineReached() } == .none, "nothing in flight, nothing to prove")
        t.queue(3)
        #expect(t.step { $0.idleDeadlineReached() } == .writeProbe(4))
        #expect(t.step { $0.notificationQueued() } == .refuse, "no writes after the probe")
        #expect(t.step { $0.idleDeadlineReached() } == .none)
        #expect(t.step { $0.errorResponseReceived(.init(status: .missingDeviceToken, identifier: 4)) }
            == .settleAndClose(Settlement(cause: .probeAnswered, accepted: 1..<4, resend: .noIDs)))
    }

    /// The sandbox once answered the probe with id 0 (pushy #149).
    @Test func probeAnsweredWithIdentifierZero() {
        var t = WindowTranscript(capacity: 100)
        t.queue(3)
        t.step { $0.idleDeadlineReached() }
        #expect(t.step { $0.errorResponseReceived(.init(status: .missingDeviceToken, identifier: 0)) }
            == .settleAndClose(Settlement(cause: .probeAnswered, accepted: 1..<4, resend: .noIDs)))
    }

    /// Id 0 with another status while probing is not the probe's answer: nothing is proven.
    @Test func identifierZeroWithAnotherStatusWhileProbing() {
        var t = WindowTranscript(capacity: 100)
        t.queue(3)
        t.step { $0.idleDeadlineReached() }
        let response = ErrorResponse(status: .invalidToken, identifier: 0)
        #expect(t.step { $0.errorResponseReceived(response) }
            == .settleAndClose(Settlement(cause: .unknownIdentifier(response), accepted: .noIDs, resend: 1..<4)))
    }

    /// A rejection of a real notification can still arrive while the probe is in flight.
    @Test func rejectionBeforeTheProbeIsAnswered() {
        var t = WindowTranscript(capacity: 100)
        t.queue(5)
        t.step { $0.idleDeadlineReached() }
        #expect(t.step { $0.errorResponseReceived(.init(status: .invalidToken, identifier: 2)) }
            == .settleAndClose(Settlement(cause: .rejected, accepted: 1..<2, rejected: (2, .invalidToken), resend: 3..<6)))
    }

    @Test func unansweredProbeClosesAndResends() {
        var t = WindowTranscript(capacity: 100)
        #expect(t.step { $0.probeDeadlineReached() } == .none)
        t.queue(2)
        t.step { $0.idleDeadlineReached() }
        #expect(t.step { $0.probeDeadlineReached() } == .close)
        #expect(t.step { $0.channelClosed() }
            == .settleAndClose(Settlement(cause: .closedWithoutResponse, accepted: .noIDs, resend: 1..<3)))
    }

    @Test func drainProbesOrClosesAtOnce() {
        var empty = WindowTranscript(capacity: 100)
        #expect(empty.step { $0.drainRequested() } == .close)
        var busy = WindowTranscript(capacity: 100)
        busy.queue(2)
        #expect(busy.step { $0.drainRequested() } == .writeProbe(3))
        #expect(busy.step { $0.drainRequested() } == .none)
    }

    @Test func capacityOfOneProbesAfterEveryNotification() {
        var t = WindowTranscript(capacity: 1)
        #expect(t.step { $0.notificationQueued() } == .writeAndProbe(1, probe: 2))
        #expect(t.step { $0.errorResponseReceived(.init(status: .missingDeviceToken, identifier: 2)) }
            == .settleAndClose(Settlement(cause: .probeAnswered, accepted: 1..<2, resend: .noIDs)))
    }

    /// A long random transcript: whatever happens, every id ends in exactly one set.
    @Test func randomTranscriptsKeepTheInvariant() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            var t = WindowTranscript(capacity: Int.random(in: 1...20, using: &generator))
            for _ in 0..<30 {
                switch Int.random(in: 0..<10, using: &generator) {
                case 0..<6: t.step { $0.notificationQueued() }
                case 6: t.step { $0.idleDeadlineReached() }
                case 7:
                    let id = SequenceNumber.random(in: 0...25, using: &generator)
                    let status = BinaryStatus(rawValue: UInt8.random(in: 0...255, using: &generator))
                    t.step { $0.errorResponseReceived(.init(status: status, identifier: id)) }
                case 8: t.step { $0.channelClosed() }
                default: t.step { $0.drainRequested() }
                }
            }
            t.step { $0.channelClosed() }
            #expect(t.window.isSettled)
            #expect(t.window.unconfirmed.isEmpty)
        }
    }
}
