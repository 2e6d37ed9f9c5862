import Foundation
import JobQueue
import Testing

@testable import PushWorker

@Suite struct WatchRenderingTests {
    @Test func barFillsInProportionAndIsFullOnlyWhenDone() {
        #expect(ProgressLine.bar(done: 0, total: 100, width: 10) == "[..........]")
        #expect(ProgressLine.bar(done: 48, total: 100, width: 10) == "[####......]")
        #expect(ProgressLine.bar(done: 999, total: 1000, width: 10) == "[#########.]")
        #expect(ProgressLine.bar(done: 1000, total: 1000, width: 10) == "[##########]")
        #expect(ProgressLine.bar(done: 0, total: 0, width: 10) == "[..........]")
        #expect(ProgressLine.bar(done: 5, total: 10).count == ProgressLine.barWidth + 2)
    }

    @Test func lineShowsPercentCountsRateAndETA() {
        let line = ProgressLine.render(ReportSamples.sending.progress, rate: 4_210)
        #expect(line == "campaign 13 [##############................]  48.0%  9,600 of 20,000  4,210/s  eta 2.47 s  sending")
        let noRate = ProgressLine.render(ReportSamples.sending.progress, rate: nil)
        #expect(noRate == "campaign 13 [##############................]  48.0%  9,600 of 20,000  sending")
        let done = ProgressLine.render(ReportSamples.finished.progress, rate: 0)
        #expect(done == "campaign 12 [##############################]  100.0%  1,000,000 of 1,000,000  0/s  finished")
    }

    @Test func rateFollowsASlidingWindow() {
        var rate = RateEstimator(window: 5)
        #expect(rate.rate == nil)
        rate.record(done: 0, at: 0)
        #expect(rate.rate == nil)
        rate.record(done: 1_000, at: 1)
        #expect(rate.rate == 1_000)
        for second in 2...10 {
            rate.record(done: 1_000 + Int64(second - 1) * 3_000, at: Double(second))
        }
        #expect(rate.rate == 3_000)  // the slow first second has left the window
        rate.record(done: 28_000, at: 11)
        #expect(rate.rate == Double(28_000 - 16_000) / 5)  // from (6, 16,000)
        rate.record(done: 28_000, at: 16)
        #expect(rate.rate == 0)  // stalled for the whole window
    }

    @Test func terminalRedrawsInPlaceAndPipesGetOneLinePerChange() {
        var terminal = WatchDisplay(isTerminal: true)
        #expect(terminal.finish() == "")
        #expect(terminal.frame("a") == "\r\u{1B}[2Ka")
        #expect(terminal.frame("a") == "\r\u{1B}[2Ka")
        #expect(terminal.finish() == "\n")

        var pipe = WatchDisplay(isTerminal: false)
        #expect(pipe.frame("a") == "a\n")
        #expect(pipe.frame("a") == nil)
        #expect(pipe.frame("b") == "b\n")
        #expect(pipe.finish() == "")
    }
}
