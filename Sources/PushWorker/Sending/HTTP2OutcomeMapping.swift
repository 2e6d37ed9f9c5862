import APNSBinary
import APNSHTTP2
import JobQueue

/// What the worker records for a token sent over HTTP/2, given how the pool ended it; and whether
/// the app must stop. The reason is recorded by name (`push.outcome.reason`), the HTTP status as
/// the code.
///
/// | pool result | recorded |
/// |---|---|
/// | accepted (200) | `accepted` |
/// | rejected 410 `Unregistered` / `ExpiredToken` | `rejected`; the token is disabled unless registered again after the response's `timestamp` |
/// | rejected 400 `BadDeviceToken` | `rejected`; the token is disabled (unless registered again after the claim) |
/// | rejected, any other status/reason | `rejected` with the reason's name |
/// | retry later (429, 5xx) | `retry` with back-off (`failed` on the last attempt) |
/// | failed: stream or connection lost, gateway unreachable | `retry` |
/// | failed: credentials rejected (certificate, provider token), gateway untrusted | `released`, app stopped |
/// | failed: pool closed | `released` |
public enum HTTP2OutcomeMapping {
    public static func decide(_ result: HTTP2Outcome.Result) -> OutcomeMapping.Decision {
        switch result {
        case .accepted:
            return .init(outcome: .accepted)
        case .rejected(let response):
            return .init(outcome: outcome(forRejection: response))
        case .retryLater(let response):
            return .init(outcome: .retry(code: Int32(clamping: response.status), reason: reasonName(response)))
        case .failed(let failure):
            return OutcomeMapping.decide(GatewayOutcome.Result.failed(failure))
        }
    }

    static func outcome(forRejection response: HTTP2Response) -> TokenOutcome {
        let code = Int32(clamping: response.status)
        let reason = reasonName(response)
        switch (response.status, response.reason) {
        case (410, .unregistered?), (410, .expiredToken?):
            return .rejected(code: code, reason: reason, disableToken: "\(reason) (410)", invalidSince: response.timestamp)
        case (400, .badDeviceToken?):
            return .rejected(code: code, reason: reason, disableToken: "\(reason) (400)")
        default:
            return .rejected(code: code, reason: reason)
        }
    }

    /// The reason's name, or what was wrong with the body when it had none.
    static func reasonName(_ response: HTTP2Response) -> String {
        if let reason = response.reason { return reason.name }
        return "status \(response.status)" + (response.bodyProblem.map { " (\($0))" } ?? "")
    }
}
