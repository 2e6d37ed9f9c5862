import NIOCore

/// The pool's settled outcomes, in batches, for one consumer. The sequence ends after
/// ``HTTP2Pool/drain()`` completes, or the pool failed and every notification has its outcome.
///
/// Back-pressure: when the consumer falls behind, the pool stops opening streams (open ones
/// still settle), so ``HTTP2Pool/submit(_:)`` eventually suspends.
public struct HTTP2Outcomes: AsyncSequence, Sendable {
    public typealias Element = [HTTP2Outcome]

    typealias Producer = NIOAsyncSequenceProducer<
        [HTTP2Outcome], NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark, HTTP2OutcomeDemand
    >

    let producer: Producer

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: Producer.AsyncIterator

        public mutating func next() async -> [HTTP2Outcome]? {
            await base.next()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: producer.makeAsyncIterator())
    }
}

@available(*, unavailable)
extension HTTP2Outcomes.AsyncIterator: Sendable {}

/// Tells the pool's executor when the outcome consumer wants more.
struct HTTP2OutcomeDemand: NIOAsyncSequenceProducerDelegate {
    let onDemand: @Sendable () -> Void

    func produceMore() { onDemand() }
    func didTerminate() {}
}
