/// Exponential back-off with jitter for tokens handed back with ``TokenOutcome/retry(code:reason:)``.
///
/// The delay after attempt `n` is `min(maximum, base × 2^(n-1))`, shortened by up to `jitter` of
/// itself at random, so retries of many chunks spread out instead of returning together.
public struct RetryPolicy: Sendable, Equatable {
    public var base: Duration
    public var maximum: Duration
    /// Fraction of the delay that is random, in 0...1.
    public var jitter: Double

    public init(base: Duration = .seconds(5), maximum: Duration = .seconds(3600), jitter: Double = 0.5) {
        precondition((0...1).contains(jitter), "jitter must be within 0...1")
        self.base = base
        self.maximum = maximum
        self.jitter = jitter
    }

    /// Seconds to wait after `attempt` (1-based) failed; `unit` is a random number in 0..<1.
    public func delaySeconds(afterAttempt attempt: Int, unit: Double) -> Double {
        let baseSeconds = base.seconds
        let exponent = Double(max(0, min(attempt - 1, 62)))
        let full = min(maximum.seconds, baseSeconds * _pow2(exponent))
        return full * (1 - jitter * unit)
    }

    /// Seconds to wait after `attempt` with a fresh random jitter.
    public func delaySeconds(afterAttempt attempt: Int) -> Double {
        delaySeconds(afterAttempt: attempt, unit: Double.random(in: 0..<1))
    }
}

private func _pow2(_ exponent: Double) -> Double {
    var result = 1.0
    var remaining = Int(exponent)
    while remaining > 0 {
        result *= 2
        remaining -= 1
    }
    return result
}

extension Duration {
    /// The duration in (fractional) seconds.
    var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
