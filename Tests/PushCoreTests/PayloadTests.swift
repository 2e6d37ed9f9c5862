import PushCore
import Testing

@Suite struct PayloadTests {
    @Test(arguments: [
        #"{}"#,
        #"{"aps":{"alert":"hi"}}"#,
        #" { "aps" : { "badge" : 0 , "sound" : "default" } } "#,
        #"{"a":[1,-2,3.5,1e3,-0.25E-2,0],"b":true,"c":false,"d":null}"#,
        #"{"s":"esc \" \\ \/ \b \f \n \r \t \u00e9 \uD83D\uDE00"}"#,
        "{\"utf8\":\"h\u{E9}llo \u{1F600} \u{4E16}\"}",
        "{\"nested\":{\"a\":{\"b\":[[{}]]}}}\n",
    ])
    func acceptsJSONObjects(json: String) throws {
        let payload = try Payload(validating: json, limit: .binaryFrame)
        #expect(payload.bytes == Array(json.utf8))
    }

    @Test(arguments: [
        ("[]", ValidationError.payloadNotJSONObject),
        ("\"aps\"", .payloadNotJSONObject),
        ("42", .payloadNotJSONObject),
        ("null", .payloadNotJSONObject),
        ("", .payloadEmpty),
        ("   ", .payloadNotJSON(offset: 3, reason: "no value")),
        ("{", .payloadNotJSON(offset: 1, reason: "expected a string key")),
        ("{\"a\":1", .payloadNotJSON(offset: 6, reason: "unterminated object")),
        ("{\"a\" 1}", .payloadNotJSON(offset: 5, reason: "expected ':' after a key")),
        ("{a:1}", .payloadNotJSON(offset: 1, reason: "expected a string key")),
        ("{\"a\":1,}", .payloadNotJSON(offset: 7, reason: "expected a string key")),
        ("{\"a\":01}", .payloadNotJSON(offset: 6, reason: "expected ',' or '}' in an object")),
        ("{\"a\":1.}", .payloadNotJSON(offset: 7, reason: "invalid number")),
        ("{\"a\":tru}", .payloadNotJSON(offset: 5, reason: "invalid literal")),
        ("{\"a\":'x'}", .payloadNotJSON(offset: 5, reason: "unexpected character")),
        ("{\"a\":\"\\x\"}", .payloadNotJSON(offset: 7, reason: "invalid escape")),
        ("{\"a\":\"\\u12G4\"}", .payloadNotJSON(offset: 10, reason: "invalid \\u escape")),
        ("{\"a\":\"tab\there\"}", .payloadNotJSON(offset: 9, reason: "control character in a string")),
        ("{\"a\":\"open}", .payloadNotJSON(offset: 11, reason: "unterminated string")),
        ("{}{}", .payloadNotJSON(offset: 2, reason: "unexpected data after the object")),
        ("{}\u{0}", .payloadNotJSON(offset: 2, reason: "unexpected data after the object")),
        ("{\"a\":[1 2]}", .payloadNotJSON(offset: 8, reason: "expected ',' or ']' in an array")),
    ])
    func rejectsWhatIsNotAJSONObject(json: String, error: ValidationError) {
        #expect(throws: error) { try Payload(validating: json, limit: .binaryFrame) }
    }

    @Test(arguments: [
        [UInt8(ascii: "{"), 0x22, 0xC3, 0x22, 0x3A, 0x31, 0x7D],  // truncated 2-byte sequence
        [0x7B, 0x22, 0xC0, 0xAF, 0x22, 0x3A, 0x31, 0x7D],  // overlong '/'
        [0x7B, 0x22, 0xED, 0xA0, 0x80, 0x22, 0x3A, 0x31, 0x7D],  // UTF-16 surrogate
        [0x7B, 0x22, 0xF4, 0x90, 0x80, 0x80, 0x22, 0x3A, 0x31, 0x7D],  // above U+10FFFF
        [0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D],
    ])
    func rejectsInvalidUTF8(bytes: [UInt8]) {
        #expect(throws: ValidationError.self) { try Payload(validating: bytes, limit: .binaryFrame) }
    }

    @Test func rejectsHostileNesting() {
        let deep = "{\"a\":" + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "}"
        #expect(throws: ValidationError.payloadNotJSON(offset: 260, reason: "nesting too deep")) {
            try Payload(validating: deep, limit: PayloadLimit(byteCount: 1 << 20, name: "test"))
        }
    }

    /// A payload of exactly `count` bytes: `{"a":"xxxx…"}`.
    static func object(ofSize count: Int) -> String {
        "{\"a\":\"" + String(repeating: "x", count: count - 8) + "\"}"
    }

    @Test(arguments: [
        (PayloadLimit.binaryEnhanced, 256),
        (.binaryFrame, 2_048),
        (.http2, 4_096),
        (.http2VoIP, 5_120),
    ])
    func enforcesEachFormatsLimit(limit: PayloadLimit, bytes: Int) throws {
        #expect(limit.byteCount == bytes)
        #expect(Self.object(ofSize: bytes).utf8.count == bytes)
        _ = try Payload(validating: Self.object(ofSize: bytes), limit: limit)
        #expect(throws: ValidationError.payloadTooLarge(byteCount: bytes + 1, limit: limit)) {
            try Payload(validating: Self.object(ofSize: bytes + 1), limit: limit)
        }
    }

    @Test func tooLargeMessageNamesSizesAndFormat() {
        let error = ValidationError.payloadTooLarge(byteCount: 300, limit: .binaryEnhanced)
        #expect("\(error)" == "payload is 300 bytes; the binary enhanced format allows at most 256")
    }
}
