/// Exponential back-off with jitter for reconnecting after failures.
///
/// The delay after the n-th failure in a row is `initial × multiplier^(n-1)`, capped at `maximum`,
/// then scaled by a random factor in `1 - jitter ... 1` so that many pools do not reconnect in step.
public struct BackoffPolicy: Sendable, Hashable {
    public var initial: Duration
    public var maximum: Duration
    public var multiplier: Double
    /// 0 (no jitter) to 1 (anything from zero to the full delay).
    public var jitter: Double

    public init(
        initial: Duration = .milliseconds(100), maximum: Duration = .seconds(30), multiplier: Double = 2,
        jitter: Double = 0.5
    ) {
        precondition(initial > .zero && maximum >= initial && multiplier >= 1 && (0...1).contains(jitter))
        self.initial = initial
        self.maximum = maximum
        self.multiplier = multiplier
        self.jitter = jitter
    }

    /// The delay after `failures` failures in a row (at least 1); `random` is in `0..<1`.
    public func delay(afterFailures failures: Int, random: Double) -> Duration {
        let exponent = Double(max(failures, 1) - 1)
        let seconds = min(
            initial.seconds * pow(multiplier, min(exponent, 64)),
            maximum.seconds)
        return .nanoseconds(Int64((seconds * (1 - jitter * random) * 1e9).rounded()))
    }
}

extension Duration {
    fileprivate var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

private func pow(_ base: Double, _ exponent: Double) -> Double {
    var result = 1.0
    var remaining = Int(exponent)
    while remaining > 0 {
        result *= base
        remaining -= 1
        if result > 1e12 { break }
    }
    return result
}

/// A small deterministic generator (SplitMix64), so the pool's jitter is reproducible in tests.
struct SplitMix64: RandomNumberGenerator, Sendable, Hashable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
