import APNSBinary
import NIOConcurrencyHelpers

/// The list the feedback service hands out; shared by its connections.
final class FeedbackStore: Sendable {
    private let plan: NIOLockedValueBox<FeedbackPlan>

    init(plan: FeedbackPlan) {
        self.plan = NIOLockedValueBox(plan)
    }

    /// The tuples for a new connection (and the truncation flag); clears the list when the plan
    /// says so.
    func take() -> (tuples: [FeedbackTuple], truncate: Bool, keepOpen: Bool) {
        plan.withLockedValue { plan in
            let served = (plan.tuples, plan.truncateLastTuple, plan.keepOpen)
            if plan.clearOnceRead { plan.tuples = [] }
            return served
        }
    }
}
