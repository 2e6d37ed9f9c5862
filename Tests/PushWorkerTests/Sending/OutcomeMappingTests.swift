import APNSBinary
import JobQueue
import Testing

@testable import PushWorker

@Suite("OutcomeMapping: what each pool result records")
struct OutcomeMappingTests {
    @Test("accepted is accepted")
    func accepted() {
        #expect(OutcomeMapping.decide(.accepted) == .init(outcome: .accepted))
    }

    @Test("invalid token (8) and invalid token size (5) are final and disable the token", arguments: [BinaryStatus.invalidToken, .invalidTokenSize])
    func invalidTokens(status: BinaryStatus) {
        let decision = OutcomeMapping.decide(.rejected(status))
        #expect(decision.outcome == .rejected(
            code: Int32(status.rawValue), reason: status.name, disableToken: "\(status.name) (status \(status.rawValue))"))
        #expect(decision.appFailure == nil)
    }

    @Test("processing error (1), shutdown (10) and unknown (255) are retried", arguments: [BinaryStatus.processingError, .shutdown, .unknown])
    func retried(status: BinaryStatus) {
        #expect(OutcomeMapping.decide(.rejected(status)).outcome == .retry(code: Int32(status.rawValue), reason: status.name))
    }

    @Test("other statuses are final rejections that keep the token",
          arguments: [2, 3, 4, 6, 7, 128, 42].map { BinaryStatus(rawValue: $0) })
    func finalRejections(status: BinaryStatus) {
        #expect(OutcomeMapping.decide(.rejected(status)).outcome == .rejected(code: Int32(status.rawValue), reason: status.name))
    }

    @Test("a lost connection is retried with its message")
    func lostConnection() {
        let failure = GatewayFailure(code: .connectionLost, message: "details")
        #expect(OutcomeMapping.decide(.failed(failure)) == .init(outcome: .retry(code: nil, reason: "\(failure)")))
    }

    @Test("an unreachable gateway releases the token (no attempt counted) and pauses the app")
    func unreachableGateway() {
        let failure = GatewayFailure(code: .gatewayUnreachable, message: "6 connection attempts in a row failed")
        #expect(OutcomeMapping.decide(.failed(failure)) == .init(outcome: .released, gatewayUnreachable: failure))
    }

    @Test("certificate failures release the token and stop the app; a closed pool only releases")
    func fatalFailures() {
        for code in [GatewayFailure.Code.clientCertificateRejected, .gatewayCertificateUntrusted] {
            let failure = GatewayFailure(code: code, message: "details")
            #expect(OutcomeMapping.decide(.failed(failure)) == .init(outcome: .released, appFailure: failure))
        }
        let closed = GatewayFailure(code: .poolClosed, message: "drained")
        #expect(OutcomeMapping.decide(.failed(closed)) == .init(outcome: .released))
    }
}
