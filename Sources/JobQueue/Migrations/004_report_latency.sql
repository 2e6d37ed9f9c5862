-- 004: what `pushworker report` needs beyond the views of 003 — the enqueue time of each outcome
-- (for latency), and per-campaign views of attempts and of the tokens a campaign's rejections
-- disabled. Safe on a populated database: the new column is nullable without a default, so adding
-- it rewrites nothing; outcomes recorded before this migration keep enqueued_at NULL and are left
-- out of the latency figures.

ALTER TABLE push.outcome ADD COLUMN enqueued_at timestamptz;
COMMENT ON COLUMN push.outcome.enqueued_at IS
    'When the token''s job was enqueued (push.job.created_at; jobs are requeued in place, so this '
    'is the first enqueue). NULL for outcomes recorded before migration 004.';

-- Latency of accepted tokens from the moment they were enqueued and due (a campaign enqueued before
-- its send_at starts counting at send_at, so a schedule is not reported as delay) to the outcome.
-- Retries, back-off and queueing behind other campaigns all count: this is what a user waits.
CREATE VIEW push.campaign_latency AS
SELECT o.campaign_id,
       count(*) AS samples,
       percentile_cont(0.50) WITHIN GROUP (ORDER BY o.recorded_at - greatest(o.enqueued_at, c.send_at)) AS p50,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY o.recorded_at - greatest(o.enqueued_at, c.send_at)) AS p95,
       percentile_cont(0.99) WITHIN GROUP (ORDER BY o.recorded_at - greatest(o.enqueued_at, c.send_at)) AS p99,
       max(o.recorded_at - greatest(o.enqueued_at, c.send_at)) AS max
FROM push.outcome o
JOIN push.campaign c ON c.id = o.campaign_id
WHERE o.kind = 'accepted' AND o.enqueued_at IS NOT NULL
GROUP BY o.campaign_id;
COMMENT ON VIEW push.campaign_latency IS
    'Per campaign: enqueue (or send_at, when later) to accepted, over accepted outcomes that carry '
    'enqueued_at (samples), as intervals: p50, p95, p99 (percentile_cont) and max.';

CREATE VIEW push.campaign_attempts AS
SELECT o.campaign_id, o.attempt, count(*) AS tokens,
       count(*) FILTER (WHERE o.kind = 'accepted') AS accepted
FROM push.outcome o
GROUP BY o.campaign_id, o.attempt;
COMMENT ON VIEW push.campaign_attempts IS
    'Per campaign: terminal outcomes by the attempt that ended them (0: never claimed, e.g. swept '
    'as expired or cancelled), and how many of those were accepted.';

-- A rejection disables its token in the same completion statement that records it, so the two
-- carry the same now(): disabled_at = recorded_at ties a disabled token to the rejection that
-- disabled it. A token registered again since is active and no longer counted.
CREATE VIEW push.campaign_tokens_disabled AS
SELECT o.campaign_id, t.disabled_reason AS reason, count(*) AS tokens
FROM push.outcome o
JOIN push.device_token t ON t.id = o.token_id
WHERE o.kind = 'rejected' AND t.status = 'disabled' AND t.disabled_at = o.recorded_at
GROUP BY o.campaign_id, t.disabled_reason;
COMMENT ON VIEW push.campaign_tokens_disabled IS
    'Per campaign and reason: tokens disabled by this campaign''s rejections and still disabled.';

-- cancel_campaign as in 002, its 'cancelled' outcomes now carrying enqueued_at like every other
-- statement that writes the ledger.
CREATE OR REPLACE FUNCTION push.cancel_campaign(campaign bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    previous push.campaign_state;
    cancelled_tokens bigint;
BEGIN
    SELECT state INTO previous FROM push.campaign WHERE id = cancel_campaign.campaign FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown campaign %', cancel_campaign.campaign USING ERRCODE = 'PWC01';
    END IF;
    IF previous = 'cancelled' THEN
        RETURN 0;
    END IF;
    UPDATE push.campaign SET state = 'cancelled', cancelled_at = now() WHERE id = cancel_campaign.campaign;
    UPDATE push.job SET cancelled = true WHERE campaign_id = cancel_campaign.campaign AND NOT cancelled;
    WITH gone AS (
        DELETE FROM push.job WHERE campaign_id = cancel_campaign.campaign AND state = 'available'
        RETURNING id, campaign_id, attempt, created_at, token_ids
    ), recorded AS (
        INSERT INTO push.outcome (campaign_id, token_id, job_id, attempt, kind, enqueued_at)
        SELECT g.campaign_id, t.id, g.id, g.attempt, 'cancelled', g.created_at
        FROM gone g CROSS JOIN LATERAL unnest(g.token_ids) AS t (id)
        RETURNING 1
    )
    SELECT count(*) INTO cancelled_tokens FROM recorded;
    RETURN cancelled_tokens;
END $$;
