import PostgresNIO

/// Every statement `pushworker report` runs. They read the views operators use from psql
/// (`push.campaign_progress`, `push.campaign_rejections` from migration 003; `push.campaign_latency`,
/// `push.campaign_attempts`, `push.campaign_tokens_disabled` from 004) and nothing else, one
/// campaign per statement: a `campaign_id = $1` filter reaches through each view's GROUP BY, so the
/// `outcome_campaign` BRIN index narrows the scan to that campaign's pages.
///
/// ``DeliveryReports`` runs them inside ``session(statementTimeout:)``'s settings, in a read-only
/// transaction. `QueriesTests` prepares each one against a freshly migrated database.
enum ReportQueries {
    /// The read-only, single-snapshot transaction of one report: the first statement after BEGIN.
    static let readOnlySnapshot: PostgresQuery = "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"

    /// Caps every statement of the current transaction at `milliseconds`, and the time the
    /// transaction may sit idle (a stalled client must not hold its snapshot, which would keep
    /// vacuum from cleaning `push.job`). `SET LOCAL` takes no parameters; `set_config(…, true)` is
    /// the same setting with bound values.
    static func session(statementTimeout milliseconds: Int64) -> PostgresQuery {
        """
        SELECT set_config('statement_timeout', \(String(milliseconds)), true),
               set_config('idle_in_transaction_session_timeout', \(String(max(milliseconds, 1000) * 2)), true)
        """
    }

    /// The ids of the `limit` most recently created campaigns, newest first.
    static func recentCampaigns(limit: Int) -> PostgresQuery {
        "SELECT id FROM push.campaign ORDER BY created_at DESC, id DESC LIMIT \(Int64(limit))"
    }

    /// One row of `push.campaign_progress`. `infinity` (no expiry) becomes NULL; the view's
    /// numeric columns become float8.
    static func progress(campaign: CampaignID) -> PostgresQuery {
        """
        SELECT campaign_id, app, name, status, total, done, queued, scheduled, sending,
               accepted, rejected, expired, failed, cancelled, skipped,
               first_outcome_at, last_outcome_at, tokens_per_s::float8,
               created_at, send_at, CASE WHEN expires_at = 'infinity' THEN NULL ELSE expires_at END
        FROM push.campaign_progress WHERE campaign_id = \(campaign.rawValue)
        """
    }

    /// Rejected and failed tokens of a campaign by kind, code and reason, most frequent first.
    static func rejections(campaign: CampaignID) -> PostgresQuery {
        """
        SELECT kind::text, code, reason, tokens, last_at
        FROM push.campaign_rejections WHERE campaign_id = \(campaign.rawValue)
        ORDER BY tokens DESC, kind, code NULLS LAST, reason NULLS LAST
        """
    }

    /// Tokens this campaign's rejections disabled, by reason, most frequent first.
    static func tokensDisabled(campaign: CampaignID) -> PostgresQuery {
        """
        SELECT reason, tokens FROM push.campaign_tokens_disabled WHERE campaign_id = \(campaign.rawValue)
        ORDER BY tokens DESC, reason NULLS LAST
        """
    }

    /// Terminal outcomes of a campaign by the attempt that ended them.
    static func attempts(campaign: CampaignID) -> PostgresQuery {
        """
        SELECT attempt, tokens, accepted FROM push.campaign_attempts WHERE campaign_id = \(campaign.rawValue)
        ORDER BY attempt
        """
    }

    /// Enqueue → accepted percentiles of a campaign, in seconds; no row when nothing was timed.
    static func latency(campaign: CampaignID) -> PostgresQuery {
        """
        SELECT samples, extract(epoch FROM p50)::float8, extract(epoch FROM p95)::float8,
               extract(epoch FROM p99)::float8, extract(epoch FROM max)::float8
        FROM push.campaign_latency WHERE campaign_id = \(campaign.rawValue)
        """
    }

    /// The timeout in force, as PostgreSQL shows it (used by tests to prove the session settings).
    static let showStatementTimeout: PostgresQuery = "SHOW statement_timeout"
}
