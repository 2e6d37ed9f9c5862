import JobQueue
import Testing

@testable import PushWorker

@Suite("GatewayPauses: an unreachable gateway pauses its app, growing, until the gateway answers")
struct GatewayPausesTests {
    let start = ContinuousClock.now
    let shop = AppID(1)
    let news = AppID(2)

    @Test("the first report pauses for the initial length; reports during the pause change nothing")
    func firstPause() {
        var pauses = GatewayPauses(initial: .seconds(1), maximum: .seconds(8))
        #expect(pauses.unreachable(shop, now: start) == .paused(for: .seconds(1), first: true))
        #expect(pauses.unreachable(shop, now: start + .milliseconds(500)) == .none)
        #expect(pauses.paused(at: start + .milliseconds(999)) == [shop])
        #expect(pauses.paused(at: start + .seconds(1)).isEmpty)
    }

    @Test("still unreachable after a pause: the next one doubles, up to the maximum")
    func doubling() {
        var pauses = GatewayPauses(initial: .seconds(1), maximum: .seconds(8))
        var now = start
        var lengths: [Duration] = []
        for _ in 0..<6 {
            guard case .paused(let length, _) = pauses.unreachable(shop, now: now) else {
                Issue.record("expected a pause")
                return
            }
            lengths.append(length)
            now += length
        }
        #expect(lengths == [.seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(8), .seconds(8)])
    }

    @Test("an answer ends the pause and the streak; other apps are not affected")
    func answered() {
        var pauses = GatewayPauses(initial: .seconds(1), maximum: .seconds(8))
        _ = pauses.unreachable(shop, now: start)
        _ = pauses.unreachable(shop, now: start + .seconds(1))
        #expect(pauses.answered(news, now: start + .seconds(2)) == .none)
        #expect(pauses.paused(at: start + .seconds(2)) == [shop])
        #expect(pauses.answered(shop, now: start + .seconds(2)) == .resumed(after: .seconds(2)))
        #expect(pauses.paused(at: start + .seconds(2)).isEmpty)
        #expect(pauses.unreachable(shop, now: start + .seconds(5)) == .paused(for: .seconds(1), first: true))
    }
}
