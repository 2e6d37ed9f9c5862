import Testing

@testable import JobQueue

@Suite("RescueGate: no rescue right after the database was away")
struct RescueGateTests {
    let start = ContinuousClock.now

    @Test("rounds the database answers on time rescue every time, the first one too")
    func regularRounds() {
        var gate = RescueGate(interval: .seconds(5), hold: .seconds(12))
        for round in 0..<5 {
            #expect(gate.databaseAnswered(at: start + .seconds(5 * round) + .milliseconds(300)) == .rescue)
        }
    }

    @Test("after an absence longer than two rounds, rescues wait the hold, then resume")
    func holdAfterAbsence() {
        var gate = RescueGate(interval: .seconds(1), hold: .seconds(12))
        #expect(gate.databaseAnswered(at: start) == .rescue)
        #expect(gate.databaseAnswered(at: start + .seconds(1)) == .rescue)
        // The database was away for 20 s: the next answer starts a hold of 12 s + 10 s.
        #expect(gate.databaseAnswered(at: start + .seconds(21)) == .hold(starting: .seconds(22)))
        for second in 22...42 {
            #expect(gate.databaseAnswered(at: start + .seconds(second)) == .hold(starting: nil), "round at \(second) s")
        }
        #expect(gate.databaseAnswered(at: start + .seconds(43)) == .rescue)
        #expect(gate.databaseAnswered(at: start + .seconds(44)) == .rescue)
    }

    @Test("a slow round within two intervals and a second is no absence")
    func slowRound() {
        var gate = RescueGate(interval: .seconds(5), hold: .seconds(12))
        #expect(gate.databaseAnswered(at: start) == .rescue)
        #expect(gate.databaseAnswered(at: start + .seconds(11)) == .rescue)
        #expect(gate.databaseAnswered(at: start + .seconds(22) + .milliseconds(2)) == .hold(starting: .seconds(17) + .milliseconds(501)))
    }

    @Test("a zero hold never holds")
    func zeroHold() {
        var gate = RescueGate(interval: .seconds(1), hold: .zero)
        #expect(gate.databaseAnswered(at: start) == .rescue)
        #expect(gate.databaseAnswered(at: start + .seconds(60)) == .rescue)
    }
}
