import APNSBinary
import JobQueue

/// What the worker records for a token, given how the gateway pool ended its notification; and
/// whether the app itself must stop sending (its credentials are at fault).
///
/// | pool result | recorded |
/// |---|---|
/// | accepted | `accepted` |
/// | rejected 8 (invalid token), 5 (invalid token size) | `rejected`, and the token is disabled |
/// | rejected 1 (processing error), 255 (unknown) | `retry` with back-off (`failed` on the last attempt) |
/// | rejected 2, 3, 4, 6, 7, 128, others | `rejected` (the notification itself is wrong; resending cannot help) |
/// | failed: connection lost | `retry` |
/// | failed: gateway unreachable | `released` (no attempt counted), app paused while its pool reconnects |
/// | failed: client certificate rejected, gateway certificate untrusted | `released` (no attempt counted), app stopped |
/// | failed: pool closed | `released` |
public enum OutcomeMapping {
    public struct Decision: Sendable, Equatable {
        public var outcome: TokenOutcome
        /// Set when the app's credentials or trust are at fault: the app must stop sending.
        public var appFailure: GatewayFailure?
        /// Set when the app's gateway cannot be reached: the token goes back unsent, and the app
        /// pauses until its gateway answers again. An outage, however long, uses up no attempt.
        public var gatewayUnreachable: GatewayFailure?
    }

    public static func decide(_ result: GatewayOutcome.Result) -> Decision {
        switch result {
        case .accepted:
            return Decision(outcome: .accepted)
        case .rejected(let status):
            return Decision(outcome: outcome(forRejection: status))
        case .failed(let failure):
            if failure.isFatal {
                return Decision(outcome: .released, appFailure: failure)
            }
            if failure.code == .poolClosed {
                return Decision(outcome: .released)
            }
            if failure.code == .gatewayUnreachable {
                return Decision(outcome: .released, gatewayUnreachable: failure)
            }
            return Decision(outcome: .retry(code: nil, reason: "\(failure)"))
        }
    }

    static func outcome(forRejection status: BinaryStatus) -> TokenOutcome {
        let code = Int32(status.rawValue)
        switch status {
        case .invalidToken, .invalidTokenSize:
            return .rejected(code: code, reason: status.name, disableToken: "\(status.name) (status \(status.rawValue))")
        case .processingError, .unknown, .shutdown:
            return .retry(code: code, reason: status.name)
        default:
            return .rejected(code: code, reason: status.name)
        }
    }
}
