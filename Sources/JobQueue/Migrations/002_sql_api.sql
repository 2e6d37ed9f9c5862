-- 002: the SQL API operators use from psql. Errors carry their own SQLSTATEs (class PW) and
-- messages with stable prefixes; both are part of the API and asserted by tests.
--   PWA01 unknown app            PWT01 malformed hex token     PWT02 token length out of range
--   PWP01 payload not an object  PWP02 payload over the limit  PWC01 unknown campaign
--   PWC02 campaign cancelled     PWC03 invalid campaign option

-- Internal helpers ---------------------------------------------------------------------------------

CREATE FUNCTION push.app_id(app_name text) RETURNS integer
LANGUAGE plpgsql STABLE AS $$
DECLARE
    found_id integer;
BEGIN
    SELECT a.id INTO found_id FROM push.app a WHERE a.name = app_name;
    IF found_id IS NULL THEN
        RAISE EXCEPTION 'unknown app ''%''', app_name USING ERRCODE = 'PWA01',
            HINT = 'SELECT name FROM push.app lists the apps.';
    END IF;
    RETURN found_id;
END $$;
COMMENT ON FUNCTION push.app_id(text) IS 'Id of the app named app_name; error PWA01 when there is none.';

CREATE FUNCTION push.token_bytes(token_hex text) RETURNS bytea
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    hex_length integer := length(coalesce(token_hex, ''));
BEGIN
    IF token_hex IS NULL OR token_hex !~ '^[0-9A-Fa-f]*$' OR hex_length % 2 <> 0 THEN
        RAISE EXCEPTION 'malformed hex token ''%'': expected an even number of hex digits',
            left(coalesce(token_hex, 'NULL'), 80) USING ERRCODE = 'PWT01';
    END IF;
    IF hex_length NOT BETWEEN 2 AND 200 THEN
        RAISE EXCEPTION 'token length % bytes is outside 1..100 bytes', hex_length / 2
            USING ERRCODE = 'PWT02';
    END IF;
    RETURN decode(token_hex, 'hex');
END $$;
COMMENT ON FUNCTION push.token_bytes(text) IS
    'Decodes a hex device token; errors PWT01 (not hex) and PWT02 (not 1..100 bytes).';

CREATE FUNCTION push.payload_limit(transport push.transport, push_type text) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE transport
        WHEN 'binary' THEN 2048
        ELSE CASE WHEN push_type = 'voip' THEN 5120 ELSE 4096 END
    END
$$;
COMMENT ON FUNCTION push.payload_limit(push.transport, text) IS
    'Largest payload in bytes: binary 2048; http2 4096, or 5120 for push type voip.';

-- Tokens ------------------------------------------------------------------------------------------

CREATE FUNCTION push.register_token(app text, token_hex text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    token_id bigint;
BEGIN
    INSERT INTO push.device_token AS t (app_id, token)
    VALUES (push.app_id(app), push.token_bytes(token_hex))
    ON CONFLICT (app_id, token) DO UPDATE
        SET last_registered_at = now(), status = 'active', disabled_at = NULL, disabled_reason = NULL
    RETURNING t.id INTO token_id;
    RETURN token_id;
END $$;
COMMENT ON FUNCTION push.register_token(text, text) IS
    'Registers a device token (hex) for an app and returns its id. Registering it again updates '
    'last_registered_at and re-activates it when it was disabled.';

CREATE FUNCTION push.register_tokens(app text, token_hex text[]) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    target_app integer := push.app_id(app);
    touched bigint;
BEGIN
    WITH upserted AS (
        INSERT INTO push.device_token AS t (app_id, token)
        SELECT DISTINCT target_app, push.token_bytes(h) FROM unnest(token_hex) AS h
        ON CONFLICT (app_id, token) DO UPDATE
            SET last_registered_at = now(), status = 'active', disabled_at = NULL, disabled_reason = NULL
        RETURNING 1
    )
    SELECT count(*) INTO touched FROM upserted;
    RETURN touched;
END $$;
COMMENT ON FUNCTION push.register_tokens(text, text[]) IS
    'register_token for many hex tokens in one statement; returns how many distinct tokens it touched.';

-- Campaigns ----------------------------------------------------------------------------------------

CREATE FUNCTION push.create_campaign(
    app text,
    payload text,
    apns_priority integer DEFAULT 10,
    push_type text DEFAULT 'alert',
    collapse_id text DEFAULT NULL,
    expires_at timestamptz DEFAULT 'infinity',
    send_at timestamptz DEFAULT now(),
    queue_priority integer DEFAULT 0,
    max_attempts integer DEFAULT 5,
    name text DEFAULT NULL
) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    target push.app;
    parsed json;
    size integer := octet_length(payload);
    size_limit integer;
    campaign_id bigint;
BEGIN
    SELECT * INTO target FROM push.app a WHERE a.id = push.app_id(app);
    BEGIN
        parsed := payload::json;
    EXCEPTION WHEN invalid_text_representation THEN
        RAISE EXCEPTION 'payload is not a JSON object: it is not valid JSON (%)', SQLERRM
            USING ERRCODE = 'PWP01';
    END;
    IF parsed IS NULL OR json_typeof(parsed) <> 'object' THEN
        RAISE EXCEPTION 'payload is not a JSON object: it is %', coalesce('a JSON ' || json_typeof(parsed), 'NULL')
            USING ERRCODE = 'PWP01';
    END IF;
    IF apns_priority IS NULL OR apns_priority NOT IN (10, 5, 1) THEN
        RAISE EXCEPTION 'apns_priority % is not one of 10, 5, 1', apns_priority USING ERRCODE = 'PWC03';
    END IF;
    IF push_type IS NULL OR push_type NOT IN ('alert', 'background', 'voip', 'complication', 'fileprovider',
            'mdm', 'location', 'liveactivity', 'pushtotalk', 'widgets', 'controls') THEN
        RAISE EXCEPTION 'push_type ''%'' is not an APNs push type', push_type USING ERRCODE = 'PWC03';
    END IF;
    IF octet_length(collapse_id) > 64 THEN
        RAISE EXCEPTION 'collapse_id is % bytes, more than 64', octet_length(collapse_id) USING ERRCODE = 'PWC03';
    END IF;
    IF max_attempts IS NULL OR max_attempts NOT BETWEEN 1 AND 100 THEN
        RAISE EXCEPTION 'max_attempts % is outside 1..100', max_attempts USING ERRCODE = 'PWC03';
    END IF;
    IF expires_at IS NULL OR send_at IS NULL OR queue_priority IS NULL THEN
        RAISE EXCEPTION 'expires_at, send_at and queue_priority must not be NULL' USING ERRCODE = 'PWC03';
    END IF;
    size_limit := push.payload_limit(target.transport, push_type);
    IF size > size_limit THEN
        RAISE EXCEPTION 'payload % bytes exceeds the limit % of transport %', size, size_limit,
            CASE WHEN target.transport = 'http2' AND push_type = 'voip' THEN 'http2 (voip)'
                 ELSE target.transport::text END
            USING ERRCODE = 'PWP02';
    END IF;
    INSERT INTO push.campaign AS c (app_id, name, payload, payload_bytes, apns_priority, push_type,
                                    collapse_id, queue_priority, send_at, expires_at, max_attempts)
    VALUES (target.id, name, parsed, size, apns_priority, push_type,
            collapse_id, queue_priority, send_at, expires_at, max_attempts)
    RETURNING c.id INTO campaign_id;
    RETURN campaign_id;
END $$;
COMMENT ON FUNCTION push.create_campaign(text, text, integer, text, text, timestamptz, timestamptz, integer, integer, text) IS
    'Creates a campaign for an app and returns its id. The payload (a JSON object) is sent byte for '
    'byte as given. Errors: PWA01 unknown app, PWP01 not a JSON object, PWP02 over the transport '
    'limit, PWC03 bad option. Nothing is sent until an enqueue_* call adds recipients.';

-- The one enqueue path: dedups against push.recipient, chunks the new tokens into jobs, and sends
-- one NOTIFY for the whole call. token_ids NULL means every active token of the campaign's app.
-- The campaign row lock serialises enqueue calls of one campaign, so the anti-join is exact.
CREATE FUNCTION push.enqueue_audience(campaign bigint, token_ids bigint[], chunk_size integer)
RETURNS bigint
LANGUAGE plpgsql SET work_mem = '256MB' SET plan_cache_mode = 'force_custom_plan' AS $$
DECLARE
    wanted_campaign bigint := $1;
    wanted_ids bigint[] := $2;
    chunk integer := $3;
    c push.campaign;
    added bigint;
BEGIN
    IF chunk IS NULL OR chunk NOT BETWEEN 1 AND 10000 THEN
        RAISE EXCEPTION 'chunk_size % is outside 1..10000', chunk USING ERRCODE = 'PWC03';
    END IF;
    SELECT * INTO c FROM push.campaign WHERE id = wanted_campaign FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'unknown campaign %', wanted_campaign USING ERRCODE = 'PWC01';
    END IF;
    IF c.state = 'cancelled' THEN
        RAISE EXCEPTION 'campaign % is cancelled', wanted_campaign USING ERRCODE = 'PWC02';
    END IF;
    WITH audience AS MATERIALIZED (
        SELECT t.id, t.token FROM push.device_token t
        WHERE wanted_ids IS NULL AND t.app_id = c.app_id AND t.status = 'active'
        UNION ALL
        SELECT t.id, t.token FROM push.device_token t
        WHERE wanted_ids IS NOT NULL AND t.app_id = c.app_id AND t.status = 'active'
          AND t.id = ANY (wanted_ids)  -- planned with the array as a constant: hashed when large
    ), fresh AS MATERIALIZED (
        SELECT a.id, a.token, (row_number() OVER (ORDER BY a.id) - 1) / chunk AS chunk_number
        FROM audience a
        WHERE NOT EXISTS (SELECT 1 FROM push.recipient r WHERE r.campaign_id = c.id AND r.token_id = a.id)
    ), remembered AS (
        INSERT INTO push.recipient (campaign_id, token_id)
        SELECT c.id, f.id FROM fresh f
    ), jobs AS (
        INSERT INTO push.job AS j (campaign_id, app_id, priority, run_at, expires_at, max_attempts, token_ids, tokens)
        SELECT c.id, c.app_id, c.queue_priority, c.send_at, c.expires_at, c.max_attempts,
               array_agg(f.id ORDER BY f.id), array_agg(f.token ORDER BY f.id)
        FROM fresh f GROUP BY f.chunk_number
        RETURNING cardinality(j.token_ids) AS size
    )
    SELECT coalesce(sum(size), 0) INTO added FROM jobs;
    IF added > 0 THEN
        UPDATE push.campaign SET recipient_count = recipient_count + added WHERE id = c.id;
        PERFORM pg_notify('push_jobs', c.id::text);
    END IF;
    RETURN added;
END $$;
COMMENT ON FUNCTION push.enqueue_audience(bigint, bigint[], integer) IS
    'Internal: the enqueue path shared by enqueue_campaign, enqueue_token_ids and enqueue_tokens.';

CREATE FUNCTION push.enqueue_token_ids(campaign bigint, token_ids bigint[], chunk_size integer DEFAULT 1000)
RETURNS bigint
LANGUAGE sql AS $$
    SELECT push.enqueue_audience($1, coalesce($2, '{}'), $3)
$$;
COMMENT ON FUNCTION push.enqueue_token_ids(bigint, bigint[], integer) IS
    'Enqueues the given device token ids (active tokens of the campaign''s app; others are ignored) '
    'in chunks of chunk_size tokens per job. A token already enqueued into this campaign is skipped. '
    'Returns how many tokens were added; sends one NOTIFY push_jobs for the call. '
    'For a query: SELECT push.enqueue_token_ids(7, ARRAY(SELECT id FROM push.device_token WHERE ...)).';

CREATE FUNCTION push.enqueue_campaign(campaign bigint, chunk_size integer DEFAULT 1000) RETURNS bigint
LANGUAGE sql AS $$
    SELECT push.enqueue_audience($1, NULL, $2)
$$;
COMMENT ON FUNCTION push.enqueue_campaign(bigint, integer) IS
    'Enqueues every active token of the campaign''s app; returns how many were added (0 for tokens '
    'already enqueued). Safe to call again later to pick up newly registered tokens.';

CREATE FUNCTION push.enqueue_tokens(campaign bigint, token_hex text[], chunk_size integer DEFAULT 1000)
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    target_app integer;
    wanted bytea[];
    ids bigint[];
BEGIN
    SELECT app_id INTO target_app FROM push.campaign WHERE id = enqueue_tokens.campaign;
    IF target_app IS NULL THEN
        RAISE EXCEPTION 'unknown campaign %', enqueue_tokens.campaign USING ERRCODE = 'PWC01';
    END IF;
    wanted := ARRAY(SELECT DISTINCT push.token_bytes(h) FROM unnest(enqueue_tokens.token_hex) AS h);
    -- tokens never seen before are registered; disabled ones stay disabled and are not enqueued
    INSERT INTO push.device_token (app_id, token)
    SELECT target_app, w FROM unnest(wanted) AS w
    ON CONFLICT (app_id, token) DO NOTHING;
    ids := ARRAY(SELECT t.id FROM push.device_token t
                 WHERE t.app_id = target_app AND t.token = ANY (wanted) AND t.status = 'active');
    RETURN push.enqueue_token_ids(enqueue_tokens.campaign, ids, enqueue_tokens.chunk_size);
END $$;
COMMENT ON FUNCTION push.enqueue_tokens(bigint, text[], integer) IS
    'Enqueues the given hex tokens into a campaign. Unknown tokens are registered first; disabled '
    'tokens are not enqueued. Errors PWT01/PWT02 name the first malformed token.';

CREATE FUNCTION push.cancel_campaign(campaign bigint) RETURNS bigint
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
    -- Flag every job (waits for completions in flight on running ones); running jobs finish what
    -- they sent and anything they hand back stays cancelled; the sweeper ends such leftovers.
    UPDATE push.job SET cancelled = true WHERE campaign_id = cancel_campaign.campaign AND NOT cancelled;
    WITH gone AS (
        DELETE FROM push.job WHERE campaign_id = cancel_campaign.campaign AND state = 'available'
        RETURNING id, campaign_id, attempt, token_ids
    ), recorded AS (
        INSERT INTO push.outcome (campaign_id, token_id, job_id, attempt, kind)
        SELECT g.campaign_id, t.id, g.id, g.attempt, 'cancelled'
        FROM gone g CROSS JOIN LATERAL unnest(g.token_ids) AS t (id)
        RETURNING 1
    )
    SELECT count(*) INTO cancelled_tokens FROM recorded;
    RETURN cancelled_tokens;
END $$;
COMMENT ON FUNCTION push.cancel_campaign(bigint) IS
    'Cancels a campaign: tokens not yet claimed end as ''cancelled'' outcomes at once (returned '
    'count); chunks being sent right now finish, and whatever they hand back ends as cancelled. '
    'Calling it again returns 0.';

-- Feedback ----------------------------------------------------------------------------------------

CREATE FUNCTION push.record_feedback(app integer, token bytea, invalid_at timestamptz,
                                     reason text DEFAULT 'reported invalid by the feedback service')
RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    wanted_app integer := $1;
    wanted_token bytea := $2;
    reported_at timestamptz := $3;
    known push.device_token;
    action text;
BEGIN
    SELECT * INTO known FROM push.device_token t
    WHERE t.app_id = wanted_app AND t.token = wanted_token FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        action := 'unknown token';
    ELSIF known.last_registered_at > reported_at THEN
        action := 'kept (registered again after it became invalid)';
    ELSIF known.status = 'disabled' THEN
        action := 'already disabled';
    ELSE
        UPDATE push.device_token
        SET status = 'disabled', disabled_at = now(), disabled_reason = $4
        WHERE id = known.id;
        action := 'disabled';
    END IF;
    INSERT INTO push.feedback_event (app_id, token, token_id, invalid_at, action)
    VALUES (wanted_app, wanted_token, known.id, reported_at, action);
    RETURN action;
END $$;
COMMENT ON FUNCTION push.record_feedback(integer, bytea, timestamptz, text) IS
    'Records that a token of an app became invalid at invalid_at (the feedback service''s report): '
    'disables it unless it was registered again after that time; logs the event in '
    'push.feedback_event and returns what was done.';
