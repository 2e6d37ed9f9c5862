import Foundation
import PostgresNIO

/// The statements of `pushworker prune` (``QueueRetention``). Each touches a bounded number of
/// rows and commits on its own (two of them share one short transaction), so pruning never holds
/// a lock or a snapshot for long. Values are bound as parameters, never spliced.
///
/// The order is what makes it safe: a campaign row is deleted and noted in
/// `push.campaign_pruning` only in the transaction that holds its row lock and proves it finished
/// (no job rows, no outcome since the cutoff); its recipient and outcome rows are deleted only
/// while that note exists. `enqueue_*` and `cancel_campaign` lock the campaign row first, so no
/// job can appear for a campaign once prune has locked it.
enum RetentionQueries {
    /// Locks, skipping rows others hold, up to `limit` campaigns with ids above `after` that may
    /// have finished before `cutoff`: created before it, enqueued at least once or cancelled, no
    /// job row left. A prefilter only: ``retireCampaigns(ids:cutoff:)`` decides, in the same
    /// transaction with a fresh snapshot. Returns the locked ids in order.
    ///
    /// Locks: the campaign rows (`FOR UPDATE`, which waits for no one and conflicts with the
    /// `FOR NO KEY UPDATE` of `enqueue_*` and `cancel_campaign`). Index: `job_campaign`.
    static func lockCandidates(after: Int64, cutoff: Date, limit: Int) -> PostgresQuery {
        """
        SELECT c.id FROM push.campaign c
        WHERE c.id > \(after) AND c.created_at < \(cutoff)
          AND (c.recipient_count > 0 OR c.state = 'cancelled')
          AND coalesce(c.cancelled_at, '-infinity') < \(cutoff)
          AND NOT EXISTS (SELECT 1 FROM push.job j WHERE j.campaign_id = c.id)
        ORDER BY c.id
        LIMIT \(Int64(limit))
        FOR UPDATE OF c SKIP LOCKED
        """
    }

    /// Deletes those of the locked campaigns `ids` that have finished before `cutoff` — no job row
    /// and no outcome recorded at or after it — and notes each in `push.campaign_pruning`.
    /// Returns the retired ids. Index: `job_campaign`, the ledger's BRIN `outcome_campaign`.
    static func retireCampaigns(ids: [Int64], cutoff: Date) -> PostgresQuery {
        """
        WITH gone AS (
            DELETE FROM push.campaign c
            WHERE c.id = ANY (\(ids)::bigint[])
              AND NOT EXISTS (SELECT 1 FROM push.job j WHERE j.campaign_id = c.id)
              AND NOT EXISTS (SELECT 1 FROM push.outcome o WHERE o.campaign_id = c.id AND o.recorded_at >= \(cutoff))
            RETURNING c.id, c.app_id, c.name, c.recipient_count
        )
        INSERT INTO push.campaign_pruning (campaign_id, app_id, name, recipient_count)
        SELECT id, app_id, name, recipient_count FROM gone
        RETURNING campaign_id
        """
    }

    /// Campaigns noted in `push.campaign_pruning` (retired by this run or an interrupted one).
    static let retiredCampaigns: PostgresQuery =
        "SELECT campaign_id FROM push.campaign_pruning ORDER BY campaign_id"

    /// Deletes up to `limit` recipients of the retired `campaign`, in token order, and their
    /// outcome rows (a token has exactly one outcome per campaign it was enqueued into). Skips
    /// rows another prune holds. Returns (recipients, outcomes) deleted; (0, 0) when none are left.
    ///
    /// Locks: the picked recipient rows (`FOR UPDATE SKIP LOCKED`). Indexes: the recipient
    /// primary key (campaign, token), `outcome_token`.
    static func pruneRecipients(campaign: Int64, limit: Int) -> PostgresQuery {
        """
        WITH picked AS MATERIALIZED (
            SELECT r.campaign_id, r.token_id FROM push.recipient r
            WHERE r.campaign_id = \(campaign)
              AND EXISTS (SELECT 1 FROM push.campaign_pruning p WHERE p.campaign_id = r.campaign_id)
            ORDER BY r.token_id
            LIMIT \(Int64(limit))
            FOR UPDATE SKIP LOCKED
        ), outcomes AS (
            DELETE FROM push.outcome o USING picked p
            WHERE o.token_id = p.token_id AND o.campaign_id = p.campaign_id
            RETURNING 1
        ), recipients AS (
            DELETE FROM push.recipient r USING picked p
            WHERE r.campaign_id = p.campaign_id AND r.token_id = p.token_id
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM recipients), (SELECT count(*) FROM outcomes)
        """
    }

    /// Removes the note of a retired `campaign` once no recipient row of it is left, together
    /// with any outcome row still filed under it (there should be none: every outcome has its
    /// recipient). Returns (notes removed: 0 or 1, outcome rows deleted).
    static func finishCampaign(_ campaign: Int64) -> PostgresQuery {
        """
        WITH finished AS (
            DELETE FROM push.campaign_pruning p
            WHERE p.campaign_id = \(campaign)
              AND NOT EXISTS (SELECT 1 FROM push.recipient r WHERE r.campaign_id = p.campaign_id)
            RETURNING p.campaign_id
        ), leftover AS (
            DELETE FROM push.outcome o USING finished f
            WHERE o.campaign_id = f.campaign_id
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM finished), (SELECT count(*) FROM leftover)
        """
    }

    /// Deletes up to `limit` feedback events received before `cutoff`, oldest id first, skipping
    /// rows others hold. Returns how many.
    static func pruneFeedbackEvents(cutoff: Date, limit: Int) -> PostgresQuery {
        """
        WITH picked AS MATERIALIZED (
            SELECT id FROM push.feedback_event
            WHERE received_at < \(cutoff)
            ORDER BY id
            LIMIT \(Int64(limit))
            FOR UPDATE SKIP LOCKED
        ), gone AS (
            DELETE FROM push.feedback_event f USING picked p WHERE f.id = p.id RETURNING 1
        )
        SELECT count(*) FROM gone
        """
    }

    /// Deletes up to `limit` worker rows last seen before `cutoff` (stopped, or dead long ago)
    /// that hold no job lease. Returns how many.
    static func pruneWorkers(cutoff: Date, limit: Int) -> PostgresQuery {
        """
        WITH picked AS MATERIALIZED (
            SELECT w.id FROM push.worker w
            WHERE w.last_seen_at < \(cutoff)
              AND NOT EXISTS (SELECT 1 FROM push.job j WHERE j.state = 'running' AND j.lease_owner = w.id)
            ORDER BY w.last_seen_at
            LIMIT \(Int64(limit))
            FOR UPDATE SKIP LOCKED
        ), gone AS (
            DELETE FROM push.worker w USING picked p WHERE w.id = p.id RETURNING 1
        )
        SELECT count(*) FROM gone
        """
    }
}
