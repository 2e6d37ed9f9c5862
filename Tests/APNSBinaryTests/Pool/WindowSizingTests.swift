import APNSBinary
import Testing

@Suite struct WindowSizingTests {
    @Test func startsAtTheInitialSizeWithinBounds() {
        #expect(WindowSizing(minimum: 64, initial: 1_024, maximum: 32_768).current == 1_024)
        #expect(WindowSizing(minimum: 64, initial: 1_024, maximum: 500).current == 500)
        #expect(WindowSizing(minimum: 64, initial: 10, maximum: 500).current == 64)
    }

    @Test func cleanFullWindowsDoubleUpToTheMaximum() {
        var sizing = WindowSizing(minimum: 64, initial: 1_024, maximum: 4_096)
        sizing.provedWithoutRejection(accepted: 1_024, capacity: 1_024)
        #expect(sizing.current == 2_048)
        sizing.provedWithoutRejection(accepted: 10, capacity: 2_048)
        #expect(sizing.current == 2_048, "an idle probe after a few notifications says nothing about the size")
        sizing.provedWithoutRejection(accepted: 2_048, capacity: 2_048)
        sizing.provedWithoutRejection(accepted: 4_096, capacity: 4_096)
        #expect(sizing.current == 4_096)
    }

    @Test func frequentRejectionsShrinkTheWindowToTwiceTheTypicalRun() {
        var sizing = WindowSizing(minimum: 64, initial: 1_024, maximum: 32_768)
        sizing.rejected(afterAccepting: 99)
        #expect(sizing.current == 200)
        for _ in 0..<20 { sizing.rejected(afterAccepting: 49) }
        #expect((100...110).contains(sizing.current))
        for _ in 0..<20 { sizing.rejected(afterAccepting: 0) }
        #expect(sizing.current == 64, "never below the minimum")
    }
}
