import PushCore
import Testing

@Suite struct PriorityExpirationTests {
    @Test func binaryPrioritiesAreTenAndFive() throws {
        #expect(try Priority(binary: 10) == .immediate)
        #expect(try Priority(binary: 5) == .considerPower)
        #expect(Priority.immediate.rawValue == 10)
        #expect(Priority.considerPower.rawValue == 5)
    }

    @Test(arguments: [0, 1, 4, 6, 9, 11, 255, -10])
    func otherPrioritiesAreRejected(value: Int) {
        #expect(throws: ValidationError.priorityNotSupported(value)) { try Priority(binary: value) }
    }

    @Test(arguments: [Int64(0), 1, 1_700_000_000, Int64(UInt32.max)])
    func expirationsThatFitThirtyTwoBits(seconds: Int64) throws {
        #expect(try Expiration(secondsSince1970: seconds).secondsSince1970 == UInt32(seconds))
    }

    @Test(arguments: [Int64(-1), Int64(UInt32.max) + 1, .max, .min])
    func expirationsOutOfRange(seconds: Int64) {
        #expect(throws: ValidationError.expirationOutOfRange(seconds)) {
            try Expiration(secondsSince1970: seconds)
        }
        #expect(Expiration.immediately.secondsSince1970 == 0)
    }
}
