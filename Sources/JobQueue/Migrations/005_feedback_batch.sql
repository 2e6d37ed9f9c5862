-- 005: the feedback job records a whole chunk of feedback tuples in one call, and a tuple it has
-- already recorded (same app, token and time) is recognised instead of being recorded again.
--
-- A feedback report names a token and the time APNs found it gone. The rule is the one of
-- push.record_feedback: disable the token unless it was registered again after that time. The
-- rule depends only on the report's time and the token's last registration, so repeating a report
-- can never change its answer; recording it once is enough. A repeated report is therefore
-- counted as 'repeated' by the caller and changes nothing (no row, no update). That makes the
-- feedback job safe to run again at any time, and two runs at once (an advisory lock per app
-- serialises them, chunk by chunk).

-- The repeat check: one probe per reported tuple.
CREATE INDEX feedback_event_tuple ON push.feedback_event (app_id, token, invalid_at);

CREATE FUNCTION push.record_feedback_batch(app integer, tokens bytea[], invalid_ats timestamptz[],
                                           reason text DEFAULT 'reported invalid by the feedback service')
RETURNS TABLE (action text, tuples bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
    IF cardinality(tokens) IS DISTINCT FROM cardinality(invalid_ats) THEN
        RAISE EXCEPTION 'tokens and invalid_ats differ in length (% and %)',
            cardinality(tokens), cardinality(invalid_ats) USING ERRCODE = 'PWF01';
    END IF;
    -- One recorder per app at a time, so the repeat check below sees every earlier event.
    PERFORM pg_advisory_xact_lock(hashtext('push.record_feedback_batch'), $1);
    -- Lock the known tokens first, in id order: the next statement (a new snapshot) then reads
    -- their latest registration, and no register_token can slip in between decision and update.
    -- (A join with unnest, not `token = ANY ($2)`: the generic plan of the latter scans the table.)
    PERFORM 1 FROM push.device_token t
    JOIN unnest($2) AS r (token) ON t.app_id = $1 AND t.token = r.token
    ORDER BY t.id
    FOR NO KEY UPDATE OF t;
    RETURN QUERY
    WITH reported AS (
        SELECT DISTINCT r.token, r.invalid_at FROM unnest($2, $3) AS r (token, invalid_at)
    ), fresh AS (
        SELECT r.token, r.invalid_at FROM reported r
        WHERE NOT EXISTS (SELECT 1 FROM push.feedback_event e
                          WHERE e.app_id = $1 AND e.token = r.token AND e.invalid_at = r.invalid_at)
    ), judged AS (
        SELECT f.token, f.invalid_at, t.id AS token_id,
               CASE WHEN t.id IS NULL THEN 'unknown token'
                    WHEN t.last_registered_at > f.invalid_at THEN 'kept (registered again after it became invalid)'
                    WHEN t.status = 'disabled' THEN 'already disabled'
                    ELSE 'disabled'
               END AS action
        FROM fresh f
        LEFT JOIN push.device_token t ON t.app_id = $1 AND t.token = f.token
    ), disabled AS (
        UPDATE push.device_token d
        SET status = 'disabled', disabled_at = now(), disabled_reason = $4
        WHERE d.id IN (SELECT j.token_id FROM judged j WHERE j.action = 'disabled')
        RETURNING d.id
    ), logged AS (
        INSERT INTO push.feedback_event (app_id, token, token_id, invalid_at, action)
        SELECT $1, j.token, j.token_id, j.invalid_at, j.action FROM judged j
        RETURNING push.feedback_event.action
    )
    SELECT l.action, count(*) FROM logged l GROUP BY l.action;
END $$;
COMMENT ON FUNCTION push.record_feedback_batch(integer, bytea[], timestamptz[], text) IS
    'Records many feedback reports of one app at once (tokens[i] became invalid at invalid_ats[i]): '
    'like push.record_feedback for each, except that a report already in push.feedback_event '
    '(same token and time) is skipped. Returns how many new reports got each action; reports not '
    'counted were repeats. Error PWF01 when the arrays differ in length.';
