-- 003: report views for psql. They read the ledger and the live job rows; nothing here is a hot
-- counter row. Run long reports on a replica or with a statement_timeout: a long transaction on
-- the primary holds back vacuum of push.job.

CREATE VIEW push.app_endpoint AS
SELECT a.id AS app_id, a.name, a.environment, a.transport,
       coalesce(a.gateway_host, CASE
           WHEN a.transport = 'binary' AND a.environment = 'production' THEN 'gateway.push.apple.com'
           WHEN a.transport = 'binary' THEN 'gateway.sandbox.push.apple.com'
           WHEN a.environment = 'production' THEN 'api.push.apple.com'
           ELSE 'api.sandbox.push.apple.com' END) AS gateway_host,
       coalesce(a.gateway_port, CASE WHEN a.transport = 'binary' THEN 2195 ELSE 443 END) AS gateway_port,
       CASE WHEN a.transport = 'binary' THEN coalesce(a.feedback_host, CASE
           WHEN a.environment = 'production' THEN 'feedback.push.apple.com'
           ELSE 'feedback.sandbox.push.apple.com' END) END AS feedback_host,
       CASE WHEN a.transport = 'binary' THEN coalesce(a.feedback_port, 2196) END AS feedback_port,
       a.credential_error, a.credential_error_at
FROM push.app a;
COMMENT ON VIEW push.app_endpoint IS 'Effective gateway and feedback endpoints of each app (Apple''s defaults where the app row leaves them NULL).';

CREATE VIEW push.campaign_progress AS
WITH tally AS (
    SELECT o.campaign_id,
           count(*) AS done,
           count(*) FILTER (WHERE o.kind = 'accepted') AS accepted,
           count(*) FILTER (WHERE o.kind = 'rejected') AS rejected,
           count(*) FILTER (WHERE o.kind = 'expired') AS expired,
           count(*) FILTER (WHERE o.kind = 'failed') AS failed,
           count(*) FILTER (WHERE o.kind = 'cancelled') AS cancelled,
           count(*) FILTER (WHERE o.kind = 'skipped') AS skipped,
           min(o.recorded_at) AS first_outcome_at,
           max(o.recorded_at) AS last_outcome_at
    FROM push.outcome o GROUP BY o.campaign_id
), live AS (
    SELECT j.campaign_id,
           sum(cardinality(j.token_ids)) FILTER (WHERE j.state = 'available' AND j.run_at > now()) AS scheduled,
           sum(cardinality(j.token_ids)) FILTER (WHERE j.state = 'available' AND j.run_at <= now()) AS queued,
           sum(cardinality(j.token_ids)) FILTER (WHERE j.state = 'running') AS sending
    FROM push.job j GROUP BY j.campaign_id
)
SELECT c.id AS campaign_id, a.name AS app, c.name,
       CASE WHEN c.state = 'cancelled' AND live.campaign_id IS NULL THEN 'cancelled'
            WHEN c.state = 'cancelled' THEN 'cancelling'
            WHEN c.recipient_count = 0 THEN 'empty'
            WHEN live.campaign_id IS NULL THEN 'finished'
            WHEN c.send_at > now() THEN 'scheduled'
            ELSE 'sending' END AS status,
       c.recipient_count AS total,
       coalesce(t.done, 0) AS done,
       round(100.0 * coalesce(t.done, 0) / nullif(c.recipient_count, 0), 1) AS percent,
       coalesce(live.queued, 0) AS queued,
       coalesce(live.scheduled, 0) AS scheduled,
       coalesce(live.sending, 0) AS sending,
       coalesce(t.accepted, 0) AS accepted, coalesce(t.rejected, 0) AS rejected,
       coalesce(t.expired, 0) AS expired, coalesce(t.failed, 0) AS failed,
       coalesce(t.cancelled, 0) AS cancelled, coalesce(t.skipped, 0) AS skipped,
       t.first_outcome_at, t.last_outcome_at,
       round(t.done / nullif(extract(epoch FROM t.last_outcome_at - t.first_outcome_at), 0)) AS tokens_per_s,
       c.created_at, c.send_at, c.expires_at
FROM push.campaign c
JOIN push.app a ON a.id = c.app_id
LEFT JOIN tally t ON t.campaign_id = c.id
LEFT JOIN live ON live.campaign_id = c.id;
COMMENT ON VIEW push.campaign_progress IS
    'One row per campaign: status (empty, scheduled, sending, finished, cancelling, cancelled), '
    'total enqueued, done (terminal outcomes) and percent, tokens still queued/scheduled/sending, '
    'counts per outcome kind, and average throughput between the first and last outcome.';

CREATE VIEW push.campaign_rejections AS
SELECT o.campaign_id, o.kind, o.code, o.reason, count(*) AS tokens, max(o.recorded_at) AS last_at
FROM push.outcome o
WHERE o.kind IN ('rejected', 'failed')
GROUP BY o.campaign_id, o.kind, o.code, o.reason;
COMMENT ON VIEW push.campaign_rejections IS 'Rejected and failed tokens per campaign by code and reason.';

CREATE VIEW push.throughput AS
SELECT date_trunc('minute', o.recorded_at) AS minute, o.campaign_id,
       count(*) AS outcomes, round(count(*) / 60.0) AS per_second,
       count(*) FILTER (WHERE o.kind = 'accepted') AS accepted
FROM push.outcome o
WHERE o.recorded_at > now() - interval '1 hour'
GROUP BY 1, 2;
COMMENT ON VIEW push.throughput IS 'Outcomes recorded per minute and campaign over the last hour.';

CREATE VIEW push.tokens_disabled AS
SELECT a.name AS app, t.disabled_reason AS reason, date_trunc('day', t.disabled_at) AS day,
       count(*) AS tokens
FROM push.device_token t JOIN push.app a ON a.id = t.app_id
WHERE t.status = 'disabled'
GROUP BY 1, 2, 3;
COMMENT ON VIEW push.tokens_disabled IS 'Disabled device tokens per app, reason and day.';

CREATE VIEW push.worker_status AS
SELECT w.id, w.host, w.pid, w.version, w.started_at, w.last_seen_at, w.stopped_at,
       (SELECT count(*) FROM push.job j WHERE j.state = 'running' AND j.lease_owner = w.id) AS jobs_leased,
       CASE WHEN w.stopped_at IS NOT NULL THEN 'stopped'
            WHEN w.last_seen_at < now() - interval '1 minute' THEN 'silent'
            ELSE 'alive' END AS status
FROM push.worker w;
COMMENT ON VIEW push.worker_status IS 'Workers by last heartbeat, with the jobs each one holds.';
