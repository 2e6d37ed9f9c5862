import APNSBinary
import Testing

/// A point on a manual clock: tests move time by hand.
struct ManualInstant: InstantProtocol {
    var offset: Duration
    static let zero = ManualInstant(offset: .zero)
    func advanced(by duration: Duration) -> ManualInstant { ManualInstant(offset: offset + duration) }
    func duration(to other: ManualInstant) -> Duration { other.offset - offset }
    static func < (lhs: ManualInstant, rhs: ManualInstant) -> Bool { lhs.offset < rhs.offset }
}

@Suite struct GatewayPoolStateMachineTests {
    typealias Machine = GatewayPoolStateMachine<ManualInstant>

    static let noJitter = BackoffPolicy(initial: .milliseconds(100), maximum: .seconds(2), multiplier: 2, jitter: 0)

    func machine(connections: Int = 2, unreachableAfter: Int = 3) -> Machine {
        Machine(configuration: .init(connectionCount: connections, backoff: Self.noJitter, unreachableAfterFailures: unreachableAfter))
    }

    @Test func startOpensEverySlot() {
        var m = machine(connections: 3)
        #expect(m.start() == [.connect(slot: 0), .connect(slot: 1), .connect(slot: 2)])
        #expect(m.liveConnectionCount == 3)
        #expect(m.start() == [], "already connecting")
    }

    @Test func aConnectionSettledByTheGatewayIsReplacedAtOnce() {
        var m = machine()
        _ = m.start()
        m.connectionReady(slot: 0)
        #expect(m.connectionEnded(slot: 0, .settledByGateway, hasWork: true, now: .zero) == [.connect(slot: 0)])
    }

    @Test func failuresBackOffExponentiallyAndNeverInATightLoop() {
        var m = machine(connections: 1, unreachableAfter: 100)
        _ = m.start()
        var now = ManualInstant.zero
        var delays: [Duration] = []
        for _ in 0..<7 {
            let actions = m.connectionEnded(slot: 0, .failed(reason: "refused"), hasWork: true, now: now)
            guard case .scheduleReconnect(0, let deadline) = actions.last else {
                Issue.record("expected a reconnect timer, got \(actions)")
                return
            }
            delays.append(now.duration(to: deadline))
            #expect(m.reconnectTimerFired(slot: 0, now: now) == [.scheduleReconnect(slot: 0, deadline: deadline)],
                "an early timer only re-arms")
            now = deadline
            #expect(m.reconnectTimerFired(slot: 0, now: now) == [.connect(slot: 0)])
        }
        #expect(delays == [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800),
                           .milliseconds(1600), .seconds(2), .seconds(2)])
    }

    @Test func jitterShortensTheDelayWithinItsBounds() {
        let policy = BackoffPolicy(initial: .seconds(1), maximum: .seconds(8), multiplier: 2, jitter: 0.5)
        #expect(policy.delay(afterFailures: 1, random: 0) == .seconds(1))
        #expect(policy.delay(afterFailures: 1, random: 0.5) == .milliseconds(750))
        #expect(policy.delay(afterFailures: 3, random: 0.999_999) > .seconds(2))
        #expect(policy.delay(afterFailures: 50, random: 0) == .seconds(8))
        var m = Machine(configuration: .init(connectionCount: 1, backoff: policy, unreachableAfterFailures: 100), seed: 42)
        _ = m.start()
        for failures in 1...5 {
            guard case .scheduleReconnect(_, let deadline) = m.connectionEnded(
                slot: 0, .failed(reason: "x"), hasWork: true, now: .zero).last
            else {
                Issue.record("no timer")
                return
            }
            let full = policy.delay(afterFailures: failures, random: 0)
            #expect(deadline.offset <= full && deadline.offset >= full / 2)
            _ = m.reconnectTimerFired(slot: 0, now: deadline)
        }
    }

    @Test func provenConnectionResetsTheBackOff() {
        var m = machine(connections: 1, unreachableAfter: 100)
        _ = m.start()
        _ = m.connectionEnded(slot: 0, .failed(reason: "x"), hasWork: true, now: .zero)
        _ = m.reconnectTimerFired(slot: 0, now: .zero.advanced(by: .seconds(1)))
        _ = m.connectionEnded(slot: 0, .failed(reason: "x"), hasWork: true, now: .zero)
        _ = m.reconnectTimerFired(slot: 0, now: .zero.advanced(by: .seconds(1)))
        m.connectionProven(slot: 0)
        #expect(m.connectionEnded(slot: 0, .failed(reason: "x"), hasWork: true, now: .zero)
            == [.scheduleReconnect(slot: 0, deadline: .zero.advanced(by: .milliseconds(100)))])
    }

    @Test func repeatedFailuresMakeTheGatewayUnreachableOnce() {
        var m = machine(connections: 1, unreachableAfter: 2)
        _ = m.start()
        #expect(m.connectionEnded(slot: 0, .failed(reason: "refused"), hasWork: true, now: .zero).count == 1)
        _ = m.reconnectTimerFired(slot: 0, now: .zero.advanced(by: .seconds(5)))
        let actions = m.connectionEnded(slot: 0, .failed(reason: "refused"), hasWork: true, now: .zero)
        #expect(actions.first == .failPending(GatewayFailure(
            code: .gatewayUnreachable, message: "2 connection attempts in a row failed; last: refused")))
        #expect(actions.count == 2, "and it keeps retrying")
        _ = m.reconnectTimerFired(slot: 0, now: .zero.advanced(by: .seconds(5)))
        #expect(m.connectionEnded(slot: 0, .failed(reason: "refused"), hasWork: true, now: .zero).count == 1,
            "reported once until a connection works again")
        _ = m.reconnectTimerFired(slot: 0, now: .zero.advanced(by: .seconds(5)))
        m.connectionReady(slot: 0)
        #expect(m.connectionEnded(slot: 0, .failed(reason: "reset"), hasWork: true, now: .zero).first
            == .failPending(GatewayFailure(code: .gatewayUnreachable, message: "4 connection attempts in a row failed; last: reset")),
            "a handshake makes it reachable again; the next failure in the same streak reports anew")
    }

    @Test(arguments: [
        (Machine.ConnectionEnd.clientCertificateRejected(reason: "unknown CA"), GatewayFailure.Code.clientCertificateRejected),
        (.gatewayCertificateUntrusted(reason: "verify failed"), .gatewayCertificateUntrusted),
    ])
    func certificateProblemsAreFatal(end: Machine.ConnectionEnd, code: GatewayFailure.Code) {
        var m = machine()
        _ = m.start()
        let actions = m.connectionEnded(slot: 0, end, hasWork: true, now: .zero)
        guard case .failPool(let failure) = actions.first else {
            Issue.record("expected failPool")
            return
        }
        #expect(failure.code == code && failure.isFatal)
        #expect(m.connectionEnded(slot: 1, .settledByGateway, hasWork: true, now: .zero) == [], "no reconnect after a fatal error")
        #expect(m.workArrived() == [])
    }

    @Test func drainingReconnectsOnlyWhileThereIsWork() {
        var m = machine()
        _ = m.start()
        m.drainRequested()
        #expect(m.connectionEnded(slot: 0, .settledByGateway, hasWork: true, now: .zero) == [.connect(slot: 0)])
        #expect(m.connectionEnded(slot: 0, .settledByGateway, hasWork: false, now: .zero) == [])
        #expect(m.connectionEnded(slot: 1, .retired, hasWork: false, now: .zero) == [])
        #expect(m.liveConnectionCount == 0)
        #expect(m.workArrived() == [.connect(slot: 0), .connect(slot: 1)])
    }

    /// A back-off timer that fires while draining with nothing to send opens nothing, so the
    /// drain can finish.
    @Test func drainingStopsPendingReconnects() {
        var m = machine(connections: 1, unreachableAfter: 100)
        _ = m.start()
        guard case .scheduleReconnect(_, let deadline) = m.connectionEnded(
            slot: 0, .failed(reason: "refused"), hasWork: true, now: .zero).last
        else {
            Issue.record("expected a timer")
            return
        }
        m.drainRequested()
        #expect(m.reconnectTimerFired(slot: 0, hasWork: false, now: deadline) == [])
        #expect(m.liveConnectionCount == 0)
    }
}
