import NIOCore

/// The pool's settled outcomes, in batches, for one consumer. The sequence ends after
/// ``GatewayPool/drain()`` completes or the pool failed and every notification has its outcome.
///
/// Back-pressure: when the consumer falls behind, the pool stops writing new notifications (in-flight
/// ones still settle), so ``GatewayPool/submit(_:)`` eventually suspends.
public struct GatewayOutcomes: AsyncSequence, Sendable {
    public typealias Element = [GatewayOutcome]

    typealias Producer = NIOAsyncSequenceProducer<
        [GatewayOutcome], NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark, OutcomeDemand
    >

    let producer: Producer

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: Producer.AsyncIterator

        public mutating func next() async -> [GatewayOutcome]? {
            await base.next()
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: producer.makeAsyncIterator())
    }
}

@available(*, unavailable)
extension GatewayOutcomes.AsyncIterator: Sendable {}

/// Tells the pool's executor when the outcome consumer wants more.
struct OutcomeDemand: NIOAsyncSequenceProducerDelegate {
    let onDemand: @Sendable () -> Void

    func produceMore() { onDemand() }
    func didTerminate() {}
}
