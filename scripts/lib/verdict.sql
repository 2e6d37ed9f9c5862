-- The ledger verdict: compares what the mock gateway accepted (its --ledger file) with what the
-- database recorded (push.outcome) for some campaigns, and prints
--
--   verdict accepted=<n> rejected=<n> lost=<n> duplicates=<n> unaccounted=<n>
--
-- as its last line, after one `verdict-detail` line with the finer counts. Run it with psql
-- (scripts/verdict does, and says what each number means):
--
--   psql URL -X -q -At -v ON_ERROR_STOP=1 -v ledger=FILE -v invalid=FILE -v campaigns='{7,8}' -f scripts/lib/verdict.sql
--
--   ledger     the gateway's ledger: <connection> <format> <identifier> <token hex> <payload bytes> <FNV-1a 64>
--   invalid    the tokens the gateway answers as invalid (binary status 8; HTTP/2 410
--              Unregistered), one hex token per line (# comments allowed); /dev/null when the
--              gateway was given none
--   campaigns  a PostgreSQL array literal of campaign ids; '{}' means every campaign
--
-- The ledger names no campaign: a line belongs to the campaign of the same app whose payload has
-- the line's digest (FNV-1a 64 of the payload bytes as stored, which the worker sends byte for
-- byte). Campaigns checked together must therefore have different payloads; the script stops
-- with an error when two of them share one. Nothing is written outside temporary tables.
--
-- Per enqueued token (a push.recipient row of a campaign in scope):
--   accepted     its one outcome is 'accepted'
--   rejected     its one outcome is 'rejected'
--   lost         the database says the gateway took it, but the gateway's ledger has no line for
--                it; or the database says the gateway refused it as an invalid token (binary
--                status 8, HTTP/2 status 410) while the token is not on the gateway's invalid list
--   duplicates   ledger lines beyond the first for the same campaign and token: the gateway
--                accepted, so the device would have shown, the notification more than once.
--                A notification the gateway discarded after an error response is not in the
--                ledger, so resending it (what the worker must do) is not a duplicate; one the
--                gateway had accepted and that was sent again is. On the binary protocol that can
--                happen only when a connection breaks without an error response before anything
--                proved the notification accepted (see README, "Delivery semantics").
--   unaccounted  no terminal outcome at all, plus every outcome row beyond the first
--                ("exactly one recorded terminal state" broken either way)
-- verdict-detail adds: outcomes by kind, ledger lines that belong to no enqueued token of the
-- campaigns (foreign), tokens the gateway accepted although the database recorded another
-- outcome (delivered_unrecorded: e.g. 'failed' after the attempt cap while the gateway had taken
-- one of the attempts — not a loss, but worth knowing), and how the invalid list was honoured.

\set ON_ERROR_STOP 1
SET work_mem = '256MB';

-- FNV-1a 64 of some bytes as 16 lowercase hex digits, as the mock gateway's ledger writes it.
-- numeric arithmetic because bigint has no unsigned wrap-around; called once per campaign.
CREATE FUNCTION pg_temp.fnv1a64(data bytea) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    hash numeric := 14695981039346656037;
    low_byte integer;
BEGIN
    FOR position IN 0 .. length(data) - 1 LOOP
        low_byte := mod(hash, 256)::integer;
        hash := hash - low_byte + (low_byte # get_byte(data, position));
        hash := mod(hash * 1099511628211, 18446744073709551616);
    END LOOP;
    RETURN lpad(to_hex(trunc(hash / 4294967296)::bigint), 8, '0')
        || lpad(to_hex(mod(hash, 4294967296)::bigint), 8, '0');
END $$;

CREATE TEMP TABLE gateway_line (
    connection    bigint,
    format        smallint,
    identifier    bigint,
    token_hex     text,
    payload_bytes integer,
    digest        text
);
\set load_ledger '\\copy gateway_line FROM ' :'ledger'
:load_ledger

CREATE TEMP TABLE invalid_line (line text);
\set load_invalid '\\copy invalid_line FROM ' :'invalid'
:load_invalid
CREATE TEMP TABLE invalid_token AS
SELECT DISTINCT decode(lower(trim(split_part(line, '#', 1))), 'hex') AS token
FROM invalid_line WHERE trim(split_part(line, '#', 1)) <> '';

CREATE TEMP TABLE scope AS
SELECT c.id AS campaign_id, c.app_id, pg_temp.fnv1a64(convert_to(c.payload::text, 'UTF8')) AS digest
FROM push.campaign c
WHERE :'campaigns'::bigint[] = '{}' OR c.id = ANY (:'campaigns'::bigint[]);

DO $$
DECLARE
    clash text;
BEGIN
    SELECT string_agg(campaign_id::text, ', ' ORDER BY campaign_id) INTO clash
    FROM (SELECT campaign_id, count(*) OVER (PARTITION BY digest) AS sharing FROM scope) s
    WHERE sharing > 1;
    IF clash IS NOT NULL THEN
        RAISE EXCEPTION 'campaigns % have the same payload: the gateway ledger cannot tell them apart; check them one at a time', clash;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM scope) THEN
        RAISE EXCEPTION 'no campaign to check: none of the given campaign ids exists, or the database has no campaign';
    END IF;
END $$;

-- Ledger lines per enqueued token; lines that match no enqueued token of the scope are foreign.
CREATE TEMP TABLE gateway_accepts AS
SELECT r.campaign_id, r.token_id, count(*) AS lines
FROM gateway_line g
JOIN scope s ON s.digest = g.digest
JOIN push.device_token t ON t.app_id = s.app_id AND t.token = decode(g.token_hex, 'hex')
JOIN push.recipient r ON r.campaign_id = s.campaign_id AND r.token_id = t.id
GROUP BY r.campaign_id, r.token_id;
ANALYZE gateway_accepts;

CREATE TEMP TABLE recorded AS
SELECT o.campaign_id, o.token_id, count(*) AS rows, min(o.kind::text) AS kind, min(o.code) AS code
FROM push.outcome o
WHERE o.campaign_id IN (SELECT campaign_id FROM scope)
GROUP BY o.campaign_id, o.token_id;
ANALYZE recorded;

CREATE TEMP TABLE per_token AS
SELECT r.campaign_id, r.token_id,
       coalesce(o.rows, 0) AS outcome_rows,
       CASE WHEN o.rows = 1 THEN o.kind END AS kind,
       o.code,
       coalesce(g.lines, 0) AS gateway_lines,
       i.token IS NOT NULL AS listed_invalid
FROM push.recipient r
JOIN push.device_token t ON t.id = r.token_id
LEFT JOIN recorded o ON o.campaign_id = r.campaign_id AND o.token_id = r.token_id
LEFT JOIN gateway_accepts g ON g.campaign_id = r.campaign_id AND g.token_id = r.token_id
LEFT JOIN invalid_token i ON i.token = t.token
WHERE r.campaign_id IN (SELECT campaign_id FROM scope);

\pset footer off
SELECT 'verdict-detail'
    || ' campaigns=' || (SELECT count(*) FROM scope)
    || ' enqueued=' || count(*)
    || ' expired=' || count(*) FILTER (WHERE kind = 'expired')
    || ' failed=' || count(*) FILTER (WHERE kind = 'failed')
    || ' cancelled=' || count(*) FILTER (WHERE kind = 'cancelled')
    || ' skipped=' || count(*) FILTER (WHERE kind = 'skipped')
    || ' accepted_not_in_ledger=' || count(*) FILTER (WHERE kind = 'accepted' AND gateway_lines = 0)
    || ' rejected_invalid=' || count(*) FILTER (WHERE kind = 'rejected' AND code IN (8, 410))
    || ' rejected_invalid_not_listed=' || count(*) FILTER (WHERE kind = 'rejected' AND code IN (8, 410) AND NOT listed_invalid)
    || ' listed_invalid_enqueued=' || count(*) FILTER (WHERE listed_invalid)
    || ' delivered_unrecorded=' || count(*) FILTER (WHERE gateway_lines > 0 AND outcome_rows = 1 AND kind <> 'accepted')
    || ' missing_outcome=' || count(*) FILTER (WHERE outcome_rows = 0)
    || ' extra_outcome_rows=' || coalesce(sum(greatest(outcome_rows - 1, 0)), 0)
    || ' ledger_lines=' || (SELECT count(*) FROM gateway_line)
    || ' ledger_foreign=' || (SELECT count(*) FROM gateway_line) - (SELECT coalesce(sum(lines), 0) FROM gateway_accepts)
FROM per_token;

SELECT 'verdict'
    || ' accepted=' || count(*) FILTER (WHERE kind = 'accepted')
    || ' rejected=' || count(*) FILTER (WHERE kind = 'rejected')
    || ' lost=' || count(*) FILTER (WHERE (kind = 'accepted' AND gateway_lines = 0)
                                        OR (kind = 'rejected' AND code IN (8, 410) AND NOT listed_invalid))
    || ' duplicates=' || coalesce(sum(greatest(gateway_lines - 1, 0)), 0)
    || ' unaccounted=' || count(*) FILTER (WHERE outcome_rows = 0) + coalesce(sum(greatest(outcome_rows - 1, 0)), 0)
FROM per_token;
