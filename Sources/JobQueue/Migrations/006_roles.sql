-- 006: least-privilege group roles. Operators grant them to their login roles:
--   pushworker_worker    what `pushworker run` and `pushworker feedback` execute, nothing more:
--                        claim, complete, extend/release leases, heartbeat, rescue, sweep, record
--                        credential errors and feedback. No DDL; cannot create apps or campaigns.
--   pushworker_enqueuer  the operators' SQL API of 002: register tokens, create, enqueue and cancel
--                        campaigns, and read apps, tokens and campaigns to pick ids. Cannot claim
--                        jobs or write outcomes.
--   pushworker_reporter  read-only: the report views of 003/004 and what `pushworker report` reads.
--
-- Roles belong to the cluster, grants to the database. Every database migrated on one cluster runs
-- this file: the roles are created by the first one (and kept), the grants are made in each.
-- Creating a role needs CREATEROLE: a migrating user without it gets error 42501 naming the
-- privilege and the role, unless the roles already exist (a DBA created them once per cluster),
-- in which case only the grants are made, which the owner of the push schema may always do.
--
-- The API functions run as their owner (SECURITY DEFINER) with a fixed search_path, so the
-- enqueuer needs EXECUTE on them and no write privilege on any table: it can change the queue
-- only in the ways the API validates. They use no dynamic SQL and qualify every object, so the
-- owner's rights cannot be turned to anything else. EXECUTE on every function of schema push is
-- taken from PUBLIC; a later migration adding a function must grant it explicitly (a test checks
-- that no function in push is executable by PUBLIC).

DO $$
DECLARE
    wanted text;
    may_create boolean;
BEGIN
    SELECT r.rolcreaterole OR r.rolsuper INTO may_create FROM pg_catalog.pg_roles r WHERE r.rolname = current_user;
    FOREACH wanted IN ARRAY ARRAY['pushworker_worker', 'pushworker_enqueuer', 'pushworker_reporter'] LOOP
        CONTINUE WHEN EXISTS (SELECT FROM pg_catalog.pg_roles r WHERE r.rolname = wanted);
        IF NOT may_create THEN
            RAISE EXCEPTION 'role % does not exist and user % lacks the CREATEROLE privilege to create it',
                wanted, current_user USING ERRCODE = '42501',
                HINT = 'Have a user with CREATEROLE run once per cluster: CREATE ROLE pushworker_worker NOLOGIN; '
                    'CREATE ROLE pushworker_enqueuer NOLOGIN; CREATE ROLE pushworker_reporter NOLOGIN; '
                    'then run pushworker migrate again.';
        END IF;
        BEGIN
            EXECUTE format('CREATE ROLE %I NOLOGIN', wanted);
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;  -- another database of this cluster created it at the same moment
        END;
    END LOOP;
END $$;

-- Nothing is executable or reachable by default ----------------------------------------------------

REVOKE ALL ON SCHEMA push FROM PUBLIC;
REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA push FROM PUBLIC;
GRANT USAGE ON SCHEMA push TO pushworker_worker, pushworker_enqueuer, pushworker_reporter;
-- which migrations are applied: `pushworker run` and `feedback` refuse an out-of-date schema
GRANT SELECT ON push.schema_migration TO pushworker_worker, pushworker_enqueuer, pushworker_reporter;

-- The API runs as its owner -------------------------------------------------------------------------

ALTER FUNCTION push.register_token(text, text) SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION push.register_tokens(text, text[]) SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION push.create_campaign(text, text, integer, text, text, timestamptz, timestamptz, integer, integer, text)
    SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION push.enqueue_token_ids(bigint, bigint[], integer) SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION push.enqueue_campaign(bigint, integer) SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION push.enqueue_tokens(bigint, text[], integer) SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION push.cancel_campaign(bigint) SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

-- pushworker_enqueuer ---------------------------------------------------------------------------------

GRANT EXECUTE ON FUNCTION
    push.register_token(text, text),
    push.register_tokens(text, text[]),
    push.create_campaign(text, text, integer, text, text, timestamptz, timestamptz, integer, integer, text),
    push.enqueue_token_ids(bigint, bigint[], integer),
    push.enqueue_campaign(bigint, integer),
    push.enqueue_tokens(bigint, text[], integer),
    push.cancel_campaign(bigint)
TO pushworker_enqueuer;
-- to choose an audience: SELECT push.enqueue_token_ids(7, ARRAY(SELECT id FROM push.device_token WHERE ...))
GRANT SELECT ON push.app, push.app_endpoint, push.device_token, push.campaign TO pushworker_enqueuer;

-- pushworker_worker: exactly what the statements of Sources/JobQueue/SQL/Queries.swift touch ------------

-- apps and campaigns: read; of an app only its credential error may be written
GRANT SELECT ON push.app, push.app_endpoint, push.campaign TO pushworker_worker;
GRANT UPDATE (credential_error, credential_error_at) ON push.app TO pushworker_worker;
-- jobs: claim (FOR UPDATE needs UPDATE), complete, requeue, extend, release, rescue, sweep
GRANT SELECT, DELETE ON push.job TO pushworker_worker;
GRANT UPDATE (state, attempt, lease_owner, lease_until, claimed_at, run_at, token_ids, tokens)
    ON push.job TO pushworker_worker;
-- the ledger: append only
GRANT INSERT ON push.outcome TO pushworker_worker;
-- tokens: read, disable on a rejection
GRANT SELECT ON push.device_token TO pushworker_worker;
GRANT UPDATE (status, disabled_at, disabled_reason) ON push.device_token TO pushworker_worker;
-- feedback (record_feedback* run as the caller and read/append the event log)
GRANT SELECT, INSERT ON push.feedback_event TO pushworker_worker;
GRANT EXECUTE ON FUNCTION
    push.record_feedback(integer, bytea, timestamptz, text),
    push.record_feedback_batch(integer, bytea[], timestamptz[], text)
TO pushworker_worker;
-- heartbeat and stop
GRANT SELECT, INSERT (id, host, pid, version) ON push.worker TO pushworker_worker;
GRANT UPDATE (last_seen_at, stopped_at) ON push.worker TO pushworker_worker;

-- pushworker_reporter ----------------------------------------------------------------------------------

GRANT SELECT ON push.app_endpoint, push.campaign_progress, push.campaign_rejections, push.throughput,
    push.tokens_disabled, push.worker_status, push.campaign_latency, push.campaign_attempts,
    push.campaign_tokens_disabled
TO pushworker_reporter;
-- `pushworker report` without a campaign id lists the latest campaigns
GRANT SELECT (id, name, created_at) ON push.campaign TO pushworker_reporter;
