import ArgumentParser

/// A period written the way operators write them: `30s`, `15m`, `1h`, `1d`, or a sum such as
/// `1h30m`. Zero and unit-less numbers are refused.
public struct RepeatInterval: Sendable, Hashable, CustomStringConvertible, ExpressibleByArgument {
    public let duration: Duration
    /// The text it was parsed from.
    public let description: String

    public init?(argument: String) {
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400]
        var seconds: Int64 = 0
        var digits = ""
        for character in argument {
            if character.isASCII, character.isNumber {
                digits.append(character)
            } else if let unit = units[character], let value = Int64(digits) {
                let (product, overflow) = value.multipliedReportingOverflow(by: unit)
                guard !overflow, product <= 366 * 86_400 else { return nil }
                seconds += product
                digits = ""
            } else {
                return nil
            }
        }
        guard digits.isEmpty, seconds > 0 else { return nil }
        duration = .seconds(seconds)
        description = argument
    }

    public static var defaultCompletionKind: CompletionKind { .default }
}
