import NIOCore

/// Delays every socket read by a fixed time: a slow gateway, for exercising client backpressure.
final class ReadLatencyHandler: ChannelOutboundHandler {
    typealias OutboundIn = Any

    private let latency: TimeAmount

    init(latency: TimeAmount) {
        self.latency = latency
    }

    func read(context: ChannelHandlerContext) {
        let loopBoundContext = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: latency) {
            loopBoundContext.value.read()
        }
    }
}

@available(*, unavailable)
extension ReadLatencyHandler: Sendable {}
