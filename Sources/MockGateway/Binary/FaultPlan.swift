import NIOCore

/// The failures the gateway injects on purpose, so clients can prove they survive them.
///
/// Per-connection counts (`shutdownAfter`, `abruptCloseAfter`) count *accepted* notifications on
/// that connection; the `…Every` variants count them over the whole gateway (so both faults can
/// recur in one run even when one connection would never reach the other's count). When several faults could apply to one notification, the order is: parse
/// errors (`GatewayFrameDecoder`), then `invalidTokens` (status 8), then the processing-error
/// draw (status 1); an accepted notification is then counted towards shutdown and abrupt close.
public struct FaultPlan: Sendable {
    /// Tokens (binary) answered with status 8 "invalid token".
    public var invalidTokens: Set<ByteBuffer>
    /// Probability in 0...1 that an otherwise valid notification is answered with status 1.
    public var processingErrorRate: Double
    /// Seed of the processing-error draws; each connection derives its own generator from it and
    /// its connection number, so a run is reproducible.
    public var seed: UInt64
    /// After this many accepted notifications on a connection, answer status 10 naming the last
    /// accepted one and close.
    public var shutdownAfter: Int?
    /// After this many accepted notifications on a connection, close it without any response and
    /// without a TLS close_notify.
    public var abruptCloseAfter: Int?
    /// Every this-many notifications accepted by the whole gateway, the connection that carried
    /// the last one answers status 10 naming it and closes.
    public var shutdownEvery: Int?
    /// Every this-many notifications accepted by the whole gateway, the connection that carried
    /// the last one is closed abruptly.
    public var abruptCloseEvery: Int?
    /// Delay before every socket read (slows the gateway down; exercises client backpressure).
    public var readLatency: TimeAmount?
    /// Connections beyond this many at once are closed as soon as they are accepted.
    public var connectionLimit: Int?
    /// Answer a missing-token error with identifier 0, as the APNs sandbox once did
    /// (jchambers/pushy#149), instead of the notification's identifier.
    public var missingTokenNamesIdentifierZero: Bool
    /// Once the gateway as a whole has accepted this many notifications, it stops reading from
    /// every connection, open or new (see `ReadingPause`): the client's TCP send window fills.
    public var stopReadingAfter: Int?
    /// How long reading stays stopped before every connection reads again; `nil`: for good.
    public var resumeReadingAfter: TimeAmount?

    public init(
        invalidTokens: Set<ByteBuffer> = [],
        processingErrorRate: Double = 0,
        seed: UInt64 = 1,
        shutdownAfter: Int? = nil,
        abruptCloseAfter: Int? = nil,
        shutdownEvery: Int? = nil,
        abruptCloseEvery: Int? = nil,
        readLatency: TimeAmount? = nil,
        connectionLimit: Int? = nil,
        missingTokenNamesIdentifierZero: Bool = false,
        stopReadingAfter: Int? = nil,
        resumeReadingAfter: TimeAmount? = nil
    ) {
        self.invalidTokens = invalidTokens
        self.processingErrorRate = processingErrorRate
        self.seed = seed
        self.shutdownAfter = shutdownAfter
        self.abruptCloseAfter = abruptCloseAfter
        self.shutdownEvery = shutdownEvery
        self.abruptCloseEvery = abruptCloseEvery
        self.readLatency = readLatency
        self.connectionLimit = connectionLimit
        self.missingTokenNamesIdentifierZero = missingTokenNamesIdentifierZero
        self.stopReadingAfter = stopReadingAfter
        self.resumeReadingAfter = resumeReadingAfter
    }
}
