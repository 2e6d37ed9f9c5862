import Foundation
import NIOCore

/// One HTTP/2 connection's judge: authenticates, validates and applies the fault plan to each
/// request, keeps the connection's tally, and executes the connection-level fault actions
/// (SETTINGS, GOAWAY, close). Confined to the connection's event loop, like the
/// `HTTP2PushFrameHandler` that calls it.
final class HTTP2GatewayConnection {
    private let number: UInt64
    private let credential: ConnectionCredential
    private let channel: any Channel
    private let recorder: GatewayRecorder
    private let configuration: HTTP2GatewayConfiguration
    private let invalidTokens: Set<ByteBuffer>
    private let writesLedger: Bool
    private let tracksDuplicates: Bool
    private var tokenSession = ProviderTokenSession()
    private var faults: HTTP2ConnectionFaults
    private var random: SplitMix64
    private var tally = ConnectionTally()
    private var openStreams = 0
    private var closeScheduled = false

    init(number: UInt64, credential: ConnectionCredential, channel: any Channel, gateway: HTTP2GatewayContext) {
        self.number = number
        self.credential = credential
        self.channel = channel
        self.recorder = gateway.recorder
        self.configuration = gateway.configuration
        self.invalidTokens = gateway.binaryFaults.invalidTokens
        self.writesLedger = gateway.recorder.ledger != nil
        self.tracksDuplicates = gateway.tracksDuplicates
        self.faults = HTTP2ConnectionFaults(plan: gateway.configuration.faults, tokenAuthenticated: credential == .token)
        self.random = SplitMix64(seed: gateway.binaryFaults.seed ^ (number &* 0xD1B5_4A32_D192_ED03))
        self.tally.digests.reserveCapacity(256)
    }

    /// The `SETTINGS_MAX_CONCURRENT_STREAMS` of the connection's first SETTINGS frame.
    var initialStreamLimit: Int {
        faults.initialStreamLimit
    }

    var responseLatency: TimeAmount? {
        configuration.faults.responseLatency
    }

    /// Judges a complete request on `streamID`; `nil` when GOAWAY excluded the stream (it is
    /// neither processed nor answered).
    func respond(to request: PushRequest, streamID: Int) -> PushResponse? {
        guard !faults.isExcludedByGoAway(streamID: streamID) else { return nil }
        faults.requestProcessed(streamID: streamID)
        let push: ValidatedPush
        switch judge(request) {
        case .success(let validated):
            push = validated
        case .failure(let reason):
            tally.rejectedReasons[reason, default: 0] += 1
            let apnsID = request.fields.apnsID.flatMap { PushRequestRules.isCanonicalUUID($0) ? $0 : nil }
            return PushResponse(
                apnsID: apnsID ?? PushResponse.makeAPNsID(using: &random), reason: reason,
                timestamp: Int64(Date().timeIntervalSince1970 * 1000))
        }
        tally.countAccepted(
            connection: number,
            format: GatewayLedger.http2Format,
            identifier: UInt32(truncatingIfNeeded: streamID),
            deviceToken: push.deviceToken,
            payload: push.payload,
            writesLedger: writesLedger,
            tracksDuplicates: tracksDuplicates
        )
        return PushResponse(apnsID: push.apnsID ?? PushResponse.makeAPNsID(using: &random))
    }

    private func judge(_ request: PushRequest) -> Result<ValidatedPush, HTTP2Reason> {
        let deviceToken: ByteBuffer
        switch PushRequestRules.route(of: request) {
        case .success(let token): deviceToken = token
        case .failure(let reason): return .failure(reason)
        }
        if credential == .token {
            let now = Int64(Date().timeIntervalSince1970)
            let authorization = request.fields.authorization
            if case .failure(let reason) = tokenSession.authorize(authorization, now: now, verifier: configuration.authentication.tokens) {
                return .failure(reason)
            }
        }
        let push: ValidatedPush
        switch PushRequestRules.content(of: request, deviceToken: deviceToken) {
        case .success(let validated): push = validated
        case .failure(let reason): return .failure(reason)
        }
        let allowedTopics = configuration.authentication.allowedTopics
        if case .failure(let reason) = PushRequestRules.topic(of: push, credential: credential, allowedTopics: allowedTopics) {
            return .failure(reason)
        }
        if let reason = configuration.faults.injectedReason(for: deviceToken, invalidTokens: invalidTokens, random: &random) {
            return .failure(reason)
        }
        return .success(push)
    }

    /// The response to a request on `streamID` was written; runs the connection-level faults
    /// and returns the frames they call for (the frame handler writes them, then calls
    /// ``closeIfDrained()``).
    func responseWritten(streamID: Int, accepted: Bool) -> [HTTP2ConnectionFaults.Action] {
        let actions = faults.requestAnswered(streamID: streamID, accepted: accepted)
        for action in actions {
            switch action {
            case .announceStreamLimit:
                tally.streamLimitChanges += 1
            case .goAway:
                tally.goAwaysSent += 1
                scheduleCloseDeadline()
            }
        }
        return actions
    }

    /// The GOAWAY debug data: `{"reason": …}` as APNs sends it.
    var goAwayDebugData: ByteBuffer {
        ByteBuffer(string: #"{"reason":"\#(configuration.faults.goAwayReason.rawValue)"}"#)
    }

    func streamOpened() {
        openStreams += 1
    }

    func streamClosed() {
        openStreams -= 1
        closeIfDrained()
    }

    /// Merges the tally into the gateway's counters and ledger (`HTTP2ConnectionSetupHandler`
    /// calls it before each flush and when the connection closes).
    func handOverTally() {
        if !tally.isEmpty { recorder.record(&tally) }
    }

    /// After GOAWAY, close once no stream is open any more.
    func closeIfDrained() {
        guard faults.goAwayLastStreamID != nil, openStreams <= 0, !closeScheduled else { return }
        closeScheduled = true
        let channel = self.channel
        // On the next tick, so the GOAWAY and the last responses are flushed first.
        channel.eventLoop.execute { channel.close(promise: nil) }
    }

    private func scheduleCloseDeadline() {
        let channel = self.channel
        channel.eventLoop.scheduleTask(in: .seconds(configuration.goAwayGracePeriodSeconds)) {
            channel.close(promise: nil)
        }
    }
}

@available(*, unavailable)
extension HTTP2GatewayConnection: Sendable {}
