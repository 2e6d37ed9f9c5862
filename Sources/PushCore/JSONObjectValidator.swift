/// A strict RFC 8259 syntax check whose top level must be an object.
///
/// PushCore depends on nothing but the standard library, so this small scanner stands in for a JSON
/// parser: a payload only has to be *checked*, never decoded, and checking needs no allocation.
/// Strings must be valid UTF-8 with valid escapes; numbers follow the JSON grammar; nesting is
/// capped at ``maximumDepth`` so hostile input cannot exhaust the stack.
enum JSONObjectValidator {
    static let maximumDepth = 256

    static func validate(_ bytes: [UInt8]) throws(ValidationError) {
        var scanner = Scanner(bytes: bytes)
        scanner.skipWhitespace()
        guard scanner.peek() == UInt8(ascii: "{") else {
            if scanner.atEnd { throw scanner.failure("no value") }
            // Anything else that parses is valid JSON of the wrong shape.
            try scanner.value(depth: 0)
            scanner.skipWhitespace()
            if !scanner.atEnd { throw scanner.failure("unexpected data after the value") }
            throw .payloadNotJSONObject
        }
        try scanner.value(depth: 0)
        scanner.skipWhitespace()
        if !scanner.atEnd { throw scanner.failure("unexpected data after the object") }
    }

    private struct Scanner {
        let bytes: [UInt8]
        var offset = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        var atEnd: Bool { offset >= bytes.count }

        func peek() -> UInt8? { offset < bytes.count ? bytes[offset] : nil }

        func failure(_ reason: String) -> ValidationError {
            .payloadNotJSON(offset: offset, reason: reason)
        }

        mutating func skipWhitespace() {
            while let byte = peek(), byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 {
                offset += 1
            }
        }

        mutating func expect(_ byte: UInt8, _ reason: String) throws(ValidationError) {
            guard peek() == byte else { throw failure(reason) }
            offset += 1
        }

        mutating func value(depth: Int) throws(ValidationError) {
            guard depth < JSONObjectValidator.maximumDepth else { throw failure("nesting too deep") }
            skipWhitespace()
            guard let byte = peek() else { throw failure("unexpected end of input") }
            switch byte {
            case UInt8(ascii: "{"): try object(depth: depth)
            case UInt8(ascii: "["): try array(depth: depth)
            case UInt8(ascii: "\""): try string()
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
            default: throw failure("unexpected character")
            }
        }

        mutating func object(depth: Int) throws(ValidationError) {
            offset += 1  // {
            skipWhitespace()
            if peek() == UInt8(ascii: "}") {
                offset += 1
                return
            }
            while true {
                skipWhitespace()
                guard peek() == UInt8(ascii: "\"") else { throw failure("expected a string key") }
                try string()
                skipWhitespace()
                try expect(UInt8(ascii: ":"), "expected ':' after a key")
                try value(depth: depth + 1)
                skipWhitespace()
                guard let byte = peek() else { throw failure("unterminated object") }
                offset += 1
                if byte == UInt8(ascii: "}") { return }
                guard byte == UInt8(ascii: ",") else {
                    offset -= 1
                    throw failure("expected ',' or '}' in an object")
                }
            }
        }

        mutating func array(depth: Int) throws(ValidationError) {
            offset += 1  // [
            skipWhitespace()
            if peek() == UInt8(ascii: "]") {
                offset += 1
                return
            }
            while true {
                try value(depth: depth + 1)
                skipWhitespace()
                guard let byte = peek() else { throw failure("unterminated array") }
                offset += 1
                if byte == UInt8(ascii: "]") { return }
                guard byte == UInt8(ascii: ",") else {
                    offset -= 1
                    throw failure("expected ',' or ']' in an array")
                }
            }
        }

        mutating func literal(_ word: StaticString) throws(ValidationError) {
            let count = word.utf8CodeUnitCount
            guard offset + count <= bytes.count else { throw failure("invalid literal") }
            let start = word.utf8Start
            for index in 0..<count where bytes[offset + index] != start[index] {
                throw failure("invalid literal")
            }
            offset += count
        }

        mutating func digits() -> Int {
            let start = offset
            while let byte = peek(), byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { offset += 1 }
            return offset - start
        }

        mutating func number() throws(ValidationError) {
            if peek() == UInt8(ascii: "-") { offset += 1 }
            if peek() == UInt8(ascii: "0") {
                offset += 1
            } else if digits() == 0 {
                throw failure("invalid number")
            }
            if peek() == UInt8(ascii: ".") {
                offset += 1
                guard digits() > 0 else { throw failure("invalid number") }
            }
            if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
                offset += 1
                if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { offset += 1 }
                guard digits() > 0 else { throw failure("invalid number") }
            }
        }

        mutating func string() throws(ValidationError) {
            offset += 1  // opening quote
            while let byte = peek() {
                switch byte {
                case UInt8(ascii: "\""):
                    offset += 1
                    return
                case UInt8(ascii: "\\"):
                    offset += 1
                    try escape()
                case 0x00..<0x20:
                    throw failure("control character in a string")
                case 0x80...:
                    try utf8Sequence()
                default:
                    offset += 1
                }
            }
            throw failure("unterminated string")
        }

        mutating func escape() throws(ValidationError) {
            guard let byte = peek() else { throw failure("unterminated escape") }
            offset += 1
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
                UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                return
            case UInt8(ascii: "u"):
                for _ in 0..<4 {
                    guard let digit = peek(), digit.isHexDigit else { throw failure("invalid \\u escape") }
                    offset += 1
                }
            default:
                offset -= 1
                throw failure("invalid escape")
            }
        }

        /// Checks one multi-byte UTF-8 sequence (no overlongs, no surrogates, ≤ U+10FFFF).
        mutating func utf8Sequence() throws(ValidationError) {
            let lead = bytes[offset]
            let count: Int
            var lower: UInt8 = 0x80
            var upper: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: count = 2
            case 0xE0: count = 3; lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: count = 3
            case 0xED: count = 3; upper = 0x9F
            case 0xF0: count = 4; lower = 0x90
            case 0xF1...0xF3: count = 4
            case 0xF4: count = 4; upper = 0x8F
            default: throw failure("invalid UTF-8")
            }
            guard offset + count <= bytes.count else { throw failure("truncated UTF-8") }
            for index in 1..<count {
                let byte = bytes[offset + index]
                let (low, high) = index == 1 ? (lower, upper) : (UInt8(0x80), UInt8(0xBF))
                guard byte >= low, byte <= high else { throw failure("invalid UTF-8") }
            }
            offset += count
        }
    }
}

extension UInt8 {
    fileprivate var isHexDigit: Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self)
            || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(self)
            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(self)
    }
}
