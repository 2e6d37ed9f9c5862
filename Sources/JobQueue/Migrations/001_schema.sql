-- 001: tables, types and indexes of the push queue. Everything lives in schema `push`.
-- The Migrator creates the schema and push.schema_migration before running this file.

-- Vocabulary ------------------------------------------------------------------------------------

CREATE TYPE push.environment AS ENUM ('sandbox', 'production');
CREATE TYPE push.transport AS ENUM ('binary', 'http2');
CREATE TYPE push.auth_kind AS ENUM ('certificate', 'token');
CREATE TYPE push.token_status AS ENUM ('active', 'disabled');
CREATE TYPE push.campaign_state AS ENUM ('active', 'cancelled');

-- available: waiting for run_at; claimable when run_at <= now(), not expired, not cancelled.
-- running:   claimed by lease_owner until lease_until; finished, requeued, released or rescued.
-- A job row is DELETED when every one of its tokens has a terminal outcome in push.outcome.
CREATE TYPE push.job_state AS ENUM ('available', 'running');

-- Terminal outcomes of one token in one campaign; exactly one row per enqueued token.
CREATE TYPE push.outcome_kind AS ENUM (
    'accepted',   -- the gateway took it
    'rejected',   -- the gateway refused it (code and reason say why)
    'expired',    -- the campaign expired before it was sent; never sent
    'failed',     -- gave up: attempt cap reached, or the sender could not use it
    'cancelled',  -- the campaign was cancelled before it was sent; never sent
    'skipped'     -- the token was disabled after it was enqueued; never sent
);

-- Apps -------------------------------------------------------------------------------------------

CREATE TABLE push.app (
    id                     integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name                   text NOT NULL UNIQUE CHECK (name <> ''),
    topic                  text NOT NULL CHECK (topic <> ''),
    environment            push.environment NOT NULL DEFAULT 'production',
    transport              push.transport NOT NULL DEFAULT 'binary',
    -- NULL host/port: Apple's endpoint for the environment and transport (see push.app_endpoint).
    gateway_host           text,
    gateway_port           integer CHECK (gateway_port BETWEEN 1 AND 65535),
    feedback_host          text,
    feedback_port          integer CHECK (feedback_port BETWEEN 1 AND 65535),
    auth                   push.auth_kind NOT NULL DEFAULT 'certificate',
    -- certificate auth: PKCS#12 file, or PEM certificate (+ private_key_path when the key is separate)
    certificate_path       text,
    -- PEM key of the certificate, or the .p8 signing key for token auth
    private_key_path       text,
    -- where the passphrase comes from; never the passphrase itself
    passphrase_env         text CHECK (passphrase_env ~ '^[A-Za-z_][A-Za-z0-9_]*$'),
    passphrase_file        text,
    ca_file                text,
    key_id                 text,
    team_id                text,
    connections_per_worker integer NOT NULL DEFAULT 4 CHECK (connections_per_worker BETWEEN 1 AND 64),
    -- written by workers: why the credentials of this app could not be used (NULL when fine)
    credential_error       text,
    credential_error_at    timestamptz,
    created_at             timestamptz NOT NULL DEFAULT now(),
    CHECK (num_nonnulls(passphrase_env, passphrase_file) <= 1),
    CHECK (auth <> 'certificate' OR certificate_path IS NOT NULL),
    CHECK (auth <> 'token' OR (private_key_path IS NOT NULL AND key_id IS NOT NULL AND team_id IS NOT NULL)),
    CHECK (auth <> 'token' OR transport = 'http2')
);

-- Device tokens ----------------------------------------------------------------------------------

CREATE TABLE push.device_token (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    app_id             integer NOT NULL REFERENCES push.app (id),
    token              bytea NOT NULL CHECK (octet_length(token) BETWEEN 1 AND 100),
    status             push.token_status NOT NULL DEFAULT 'active',
    registered_at      timestamptz NOT NULL DEFAULT now(),
    last_registered_at timestamptz NOT NULL DEFAULT now(),
    disabled_at        timestamptz,
    disabled_reason    text,
    UNIQUE (app_id, token),
    CHECK ((status = 'disabled') = (disabled_at IS NOT NULL))
);
-- Small while few tokens are disabled; the claim uses it to skip tokens disabled after enqueue.
CREATE INDEX device_token_disabled ON push.device_token (id) WHERE status = 'disabled';

-- Campaigns --------------------------------------------------------------------------------------

CREATE TABLE push.campaign (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    app_id          integer NOT NULL REFERENCES push.app (id),
    name            text,
    -- sent byte for byte as stored (json keeps the operator's text); always a JSON object
    payload         json NOT NULL,
    payload_bytes   integer NOT NULL,
    apns_priority   smallint NOT NULL DEFAULT 10 CHECK (apns_priority IN (10, 5, 1)),
    push_type       text NOT NULL DEFAULT 'alert',
    collapse_id     text CHECK (octet_length(collapse_id) <= 64),
    -- queue order: lower runs first; independent of apns_priority
    queue_priority  smallint NOT NULL DEFAULT 0,
    send_at         timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL DEFAULT 'infinity',
    max_attempts    smallint NOT NULL DEFAULT 5 CHECK (max_attempts BETWEEN 1 AND 100),
    state           push.campaign_state NOT NULL DEFAULT 'active',
    -- tokens enqueued so far (one update per enqueue call, never per token)
    recipient_count bigint NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now(),
    cancelled_at    timestamptz,
    CHECK ((state = 'cancelled') = (cancelled_at IS NOT NULL))
);

-- Every token ever enqueued into a campaign, once: the dedup set. Insert-only.
CREATE TABLE push.recipient (
    campaign_id bigint NOT NULL,
    token_id    bigint NOT NULL,
    PRIMARY KEY (campaign_id, token_id)
);

-- Jobs: the claimable unit of work, a chunk of up to ~1,000 tokens of one campaign --------------

CREATE TABLE push.job (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id  bigint NOT NULL REFERENCES push.campaign (id),
    app_id       integer NOT NULL,
    state        push.job_state NOT NULL DEFAULT 'available',
    -- set by cancel_campaign; a cancelled job is never claimed and ends as 'cancelled' outcomes
    cancelled    boolean NOT NULL DEFAULT false,
    priority     smallint NOT NULL,
    run_at       timestamptz NOT NULL,
    -- copied from the campaign (immutable there) so the claim needs no join
    expires_at   timestamptz NOT NULL,
    attempt      smallint NOT NULL DEFAULT 0,
    max_attempts smallint NOT NULL,
    lease_owner  text,
    lease_until  timestamptz,
    claimed_at   timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    -- the chunk: token ids and their bytes, copied at enqueue so a claim needs no per-token lookup
    token_ids    bigint[] NOT NULL,
    tokens       bytea[] NOT NULL,
    CHECK (cardinality(token_ids) > 0 AND cardinality(token_ids) = cardinality(tokens)),
    CHECK ((state = 'running') = (lease_owner IS NOT NULL AND lease_until IS NOT NULL))
) WITH (
    -- room for HOT lease extensions; vacuum after a fixed number of dead rows, not a fraction
    fillfactor = 80,
    autovacuum_vacuum_scale_factor = 0,
    autovacuum_vacuum_threshold = 500,
    autovacuum_vacuum_cost_delay = 0,
    autovacuum_analyze_scale_factor = 0,
    autovacuum_analyze_threshold = 500
);
-- The claim index: exactly the claim's predicate and ORDER BY.
CREATE INDEX job_claim ON push.job (priority, run_at, id) WHERE state = 'available' AND NOT cancelled;
-- Lease extension/release by owner and the rescuer's scan of running jobs.
CREATE INDEX job_running ON push.job (lease_owner) WHERE state = 'running';
-- cancel_campaign, the sweeper and the per-campaign views.
CREATE INDEX job_campaign ON push.job (campaign_id);

-- Outcome ledger: append-only, one row per token per campaign -------------------------------------

CREATE TABLE push.outcome (
    campaign_id bigint NOT NULL,
    token_id    bigint NOT NULL,
    job_id      bigint NOT NULL,
    attempt     smallint NOT NULL,
    kind        push.outcome_kind NOT NULL,
    -- opaque to the queue: the transport's status code and reason name
    code        integer,
    reason      text,
    recorded_at timestamptz NOT NULL DEFAULT now()
);
-- By campaign: a BRIN index. Rows arrive in roughly campaign order, so page ranges stay narrow,
-- and a BRIN entry costs next to nothing per insert (a second B-tree cost ~15-20% of drain
-- throughput, see docs/benchmarks.md). By token: a B-tree; a job is a run of token ids, so
-- concurrent completions append to different leaf pages.
CREATE INDEX outcome_campaign ON push.outcome USING brin (campaign_id);
CREATE INDEX outcome_token ON push.outcome (token_id);

-- Feedback service events --------------------------------------------------------------------------

CREATE TABLE push.feedback_event (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    app_id      integer NOT NULL REFERENCES push.app (id),
    token       bytea NOT NULL,
    token_id    bigint,
    -- when Apple says the token became invalid
    invalid_at  timestamptz NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    -- what was done: 'disabled', 'kept (re-registered later)', 'unknown token'
    action      text NOT NULL
);
CREATE INDEX feedback_event_app ON push.feedback_event (app_id, received_at);

-- Workers --------------------------------------------------------------------------------------------

CREATE TABLE push.worker (
    id           text PRIMARY KEY,
    host         text NOT NULL,
    pid          integer NOT NULL,
    version      text NOT NULL,
    started_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    stopped_at   timestamptz
);
