import PushCore
import Testing

@Suite struct DeviceTokenTests {
    static let valid32 = "9f0c3e6b1a2d4c5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6"

    @Test(arguments: [
        ("00", [UInt8(0)]),
        ("ff", [0xFF]),
        ("FF", [0xFF]),
        ("aB0c", [0xAB, 0x0C]),
        ("0123456789abcdefABCDEF", [0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF, 0xAB, 0xCD, 0xEF]),
    ])
    func parsesHexInAnyCase(hex: String, bytes: [UInt8]) throws {
        let token = try DeviceToken(hex: hex)
        #expect(token.bytes == bytes)
        #expect(token.hex == hex.lowercased())
    }

    @Test func parsesAThirtyTwoByteToken() throws {
        let token = try DeviceToken(hex: Self.valid32)
        #expect(token.bytes.count == 32)
        #expect(token.hex == Self.valid32)
    }

    @Test(arguments: [
        ("", ValidationError.deviceTokenEmpty),
        ("a", .deviceTokenOddHexLength(digitCount: 1)),
        ("abc", .deviceTokenOddHexLength(digitCount: 3)),
        ("zz", .deviceTokenNotHex(character: "z", offset: 0)),
        ("0g", .deviceTokenNotHex(character: "g", offset: 1)),
        ("00 1", .deviceTokenNotHex(character: " ", offset: 2)),
        ("0x12", .deviceTokenNotHex(character: "x", offset: 1)),
        ("ééff", .deviceTokenNotHex(character: "é", offset: 0)),
        (String(repeating: "ab", count: 101), .deviceTokenTooLong(byteCount: 101)),
    ])
    func rejectsBadHexNamingTheProblem(hex: String, error: ValidationError) {
        #expect(throws: error) { try DeviceToken(hex: hex) }
    }

    @Test func acceptsOneToOneHundredBytes() throws {
        #expect(try DeviceToken(bytes: [1]).bytes == [1])
        #expect(try DeviceToken(bytes: Array(repeating: 7, count: 100)).bytes.count == 100)
        #expect(try DeviceToken(hex: String(repeating: "ab", count: 100)).bytes.count == 100)
        #expect(throws: ValidationError.deviceTokenEmpty) { try DeviceToken(bytes: []) }
        #expect(throws: ValidationError.deviceTokenTooLong(byteCount: 101)) {
            try DeviceToken(bytes: Array(repeating: 7, count: 101))
        }
    }

    @Test func errorMessagesNameTheProblem() {
        #expect("\(ValidationError.deviceTokenNotHex(character: "g", offset: 1))"
            == "device token has a non-hex character \"g\" at offset 1")
        #expect("\(ValidationError.deviceTokenOddHexLength(digitCount: 63))"
            == "device token has an odd number of hex digits (63)")
    }
}
