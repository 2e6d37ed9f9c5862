import Foundation
import PostgresNIO

/// Every SQL statement the queue runs, one documented function each. All SQL text lives in this
/// folder: this file, and ``ReportQueries`` for the delivery reports.
///
/// Values are bound as parameters through `PostgresQuery` interpolation, never spliced into the
/// text. The schema these statements read is in `migrations/`; `QueriesTests` prepares each one
/// against a freshly migrated database, so a renamed column fails the tests, not production.
enum Queries {
    /// Claims up to `limit` due jobs for `worker`, in (priority, run_at, id) order, skipping jobs
    /// other workers hold and jobs of `excludingApps` (apps whose credentials this worker found
    /// broken). Sets the lease and counts the attempt.
    ///
    /// Locks: the picked `push.job` rows (`FOR UPDATE SKIP LOCKED`). Index: `job_claim`, whose key
    /// and predicate match the CTE exactly. Each returned row carries the token ids and bytes, and
    /// the ids of those tokens disabled since enqueue (probe of the small `device_token_disabled`).
    static func claim(worker: WorkerID, limit: Int, leaseSeconds: Double, excludingApps: [Int32] = []) -> PostgresQuery {
        """
        WITH picked AS MATERIALIZED (
            SELECT id FROM push.job
            WHERE state = 'available' AND NOT cancelled AND run_at <= now() AND expires_at > now()
              AND app_id <> ALL (\(excludingApps)::integer[])
            ORDER BY priority, run_at, id
            LIMIT \(Int64(limit))
            FOR UPDATE SKIP LOCKED
        )
        UPDATE push.job j
        SET state = 'running', attempt = j.attempt + 1, lease_owner = \(worker.rawValue),
            lease_until = now() + make_interval(secs => \(leaseSeconds)), claimed_at = now()
        FROM picked
        WHERE j.id = picked.id
        RETURNING j.id, j.campaign_id, j.app_id, j.attempt, j.max_attempts,
            CASE WHEN j.expires_at = 'infinity' THEN NULL ELSE j.expires_at END,
            j.lease_until, j.token_ids, j.tokens,
            ARRAY(SELECT d.id FROM push.device_token d
                  WHERE d.status = 'disabled' AND d.id = ANY (j.token_ids)) AS disabled
        """
    }

    /// Finishes and requeues the jobs of one completion batch in one statement, only for jobs
    /// `worker` still holds (`state = 'running' AND lease_owner = worker`): a worker whose lease
    /// was rescued records nothing. See ``CompletionBatch`` for the encoding.
    ///
    /// Writes: deletes finished job rows; requeues the others in place with only their kept tokens;
    /// appends one `push.outcome` row per terminal token (with its HTTP/2 `apns-id` when it has one),
    /// with the job's `created_at` as the token's `enqueued_at` (jobs are requeued in place, so that
    /// is the enqueue time); disables tokens asked for, unless registered again after the time APNs
    /// gave (HTTP/2 410 `timestamp`) or, without one, after the claim. Returns the finished and
    /// requeued job ids and counts.
    static func complete(worker: WorkerID, batch: CompletionBatch) -> PostgresQuery {
        """
        WITH finished AS (
            DELETE FROM push.job j
            WHERE j.id = ANY (\(batch.finishedJobs)::bigint[])
              AND j.state = 'running' AND j.lease_owner = \(worker.rawValue)
            RETURNING j.id, j.campaign_id, j.attempt, j.claimed_at, j.created_at, j.token_ids
        ), requeue_input AS (
            SELECT * FROM unnest(\(batch.requeuedJobs)::bigint[], \(batch.requeueDelays)::float8[],
                                 \(batch.requeueRefunds)::boolean[]) AS r (id, delay_s, refund)
        ), kept AS (
            SELECT * FROM unnest(\(batch.keptJobs)::bigint[], \(batch.keptTokens)::bigint[]) AS k (job_id, token_id)
        ), requeued AS (
            UPDATE push.job j
            SET state = 'available', lease_owner = NULL, lease_until = NULL,
                run_at = now() + make_interval(secs => r.delay_s),
                attempt = j.attempt - CASE WHEN r.refund THEN 1 ELSE 0 END,
                (token_ids, tokens) = (
                    SELECT array_agg(t.id ORDER BY t.n), array_agg(t.token ORDER BY t.n)
                    FROM unnest(j.token_ids, j.tokens) WITH ORDINALITY AS t (id, token, n)
                    WHERE t.id IN (SELECT k.token_id FROM kept k WHERE k.job_id = j.id))
            FROM requeue_input r
            WHERE j.id = r.id AND j.state = 'running' AND j.lease_owner = \(worker.rawValue)
            RETURNING j.id, j.campaign_id, (j.attempt + CASE WHEN r.refund THEN 1 ELSE 0 END)::smallint AS attempt,
                j.claimed_at, j.created_at
        ), owned AS (
            SELECT id, campaign_id, attempt, claimed_at, created_at FROM finished
            UNION ALL
            SELECT id, campaign_id, attempt, claimed_at, created_at FROM requeued
        ), explicit AS (
            SELECT * FROM unnest(\(batch.outcomeJobs)::bigint[], \(batch.outcomeTokens)::bigint[],
                                 \(batch.outcomeKinds)::text[], \(batch.outcomeCodes)::integer[],
                                 \(batch.outcomeReasons)::text[], \(batch.outcomeApnsIDs)::uuid[])
                 AS x (job_id, token_id, kind, code, reason, apns_id)
        ), recorded AS (
            INSERT INTO push.outcome (campaign_id, token_id, job_id, attempt, kind, code, reason, enqueued_at, apns_id)
            SELECT o.campaign_id, x.token_id, x.job_id, o.attempt, x.kind::push.outcome_kind,
                   NULLIF(x.code, \(CompletionBatch.noCode)), NULLIF(x.reason, ''), o.created_at, NULLIF(x.apns_id, \(CompletionBatch.noApnsID))
            FROM explicit x JOIN owned o ON o.id = x.job_id
            UNION ALL
            SELECT f.campaign_id, t.id, f.id, f.attempt, 'accepted', NULL, NULL, f.created_at, NULL
            FROM finished f CROSS JOIN LATERAL unnest(f.token_ids) AS t (id)
            WHERE NOT EXISTS (SELECT 1 FROM explicit x WHERE x.job_id = f.id AND x.token_id = t.id)
            RETURNING 1
        ), disabled AS (
            UPDATE push.device_token d
            SET status = 'disabled', disabled_at = now(), disabled_reason = u.reason
            FROM unnest(\(batch.disableJobs)::bigint[], \(batch.disableTokens)::bigint[],
                        \(batch.disableReasons)::text[], \(batch.disableInvalidSince)::float8[])
                 AS u (job_id, token_id, reason, invalid_since)
            JOIN owned o ON o.id = u.job_id
            WHERE d.id = u.token_id AND d.status = 'active'
              AND d.last_registered_at <= coalesce(
                  to_timestamp(NULLIF(u.invalid_since, \(CompletionBatch.noInvalidSince))), o.claimed_at)
            RETURNING d.id
        )
        SELECT coalesce((SELECT array_agg(id) FROM finished), '{}'),
               coalesce((SELECT array_agg(id) FROM requeued), '{}'),
               (SELECT count(*) FROM recorded),
               (SELECT count(*) FROM disabled)
        """
    }

    /// Pushes the lease of every job `worker` holds to now + `leaseSeconds`; returns their ids.
    /// Index: `job_running`. Touches no indexed column, so the updates can be HOT.
    static func extendLeases(worker: WorkerID, leaseSeconds: Double) -> PostgresQuery {
        """
        UPDATE push.job SET lease_until = now() + make_interval(secs => \(leaseSeconds))
        WHERE state = 'running' AND lease_owner = \(worker.rawValue)
        RETURNING id
        """
    }

    /// Extends the leases of `jobs` only, where `worker` still holds them. A job leased to the
    /// worker but not among them — a claim that committed while its answer was lost — lapses and
    /// is rescued instead of being kept alive by a worker that does not know it.
    static func extendLeases(worker: WorkerID, leaseSeconds: Double, jobs: [Int64]) -> PostgresQuery {
        """
        UPDATE push.job SET lease_until = now() + make_interval(secs => \(leaseSeconds))
        WHERE id = ANY(\(jobs)::bigint[]) AND state = 'running' AND lease_owner = \(worker.rawValue)
        RETURNING id
        """
    }

    /// Hands back every job `worker` holds, unsent and without counting the attempt (graceful
    /// shutdown). Index: `job_running`. Returns the released ids.
    static func releaseAll(worker: WorkerID) -> PostgresQuery {
        """
        UPDATE push.job
        SET state = 'available', lease_owner = NULL, lease_until = NULL, attempt = attempt - 1
        WHERE state = 'running' AND lease_owner = \(worker.rawValue)
        RETURNING id
        """
    }

    /// Hands back the given jobs `worker` holds, unsent and without counting the attempt.
    static func release(worker: WorkerID, jobs: [Int64]) -> PostgresQuery {
        """
        UPDATE push.job
        SET state = 'available', lease_owner = NULL, lease_until = NULL, attempt = attempt - 1
        WHERE id = ANY (\(jobs)::bigint[]) AND state = 'running' AND lease_owner = \(worker.rawValue)
        RETURNING id
        """
    }

    /// Makes up to `limit` jobs whose lease lapsed (a crashed or stuck worker) claimable again at
    /// once; a job already on its last attempt ends instead, every token `failed` with reason
    /// 'lease lapsed on the last attempt'. With `heldBy`, it takes the jobs leased to that worker
    /// id instead, whatever their lease says (a worker starting under the id of one that died),
    /// waiting for row locks rather than skipping them (its own housekeeping may be extending them).
    /// Otherwise locks the lapsed rows `SKIP LOCKED`, so concurrent rescuers split the work. Index:
    /// `job_running`. Returns (rescued, failed jobs).
    static func rescue(limit: Int, heldBy owner: WorkerID? = nil) -> PostgresQuery {
        """
        WITH lapsed AS MATERIALIZED (
            SELECT id FROM push.job
            WHERE state = 'running'
              AND ((\(owner?.rawValue)::text IS NULL AND lease_until < now()) OR lease_owner = \(owner?.rawValue))
            ORDER BY id
            LIMIT \(Int64(limit))
            FOR UPDATE SKIP LOCKED
        ), given_up AS (
            DELETE FROM push.job j USING lapsed l
            WHERE j.id = l.id AND j.attempt >= j.max_attempts
            RETURNING j.id, j.campaign_id, j.attempt, j.created_at, j.token_ids
        ), back AS (
            UPDATE push.job j SET state = 'available', lease_owner = NULL, lease_until = NULL
            FROM lapsed l
            WHERE j.id = l.id AND j.attempt < j.max_attempts
            RETURNING j.id
        ), recorded AS (
            INSERT INTO push.outcome (campaign_id, token_id, job_id, attempt, kind, reason, enqueued_at)
            SELECT g.campaign_id, t.id, g.id, g.attempt, 'failed', 'lease lapsed on the last attempt', g.created_at
            FROM given_up g CROSS JOIN LATERAL unnest(g.token_ids) AS t (id)
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM back), (SELECT count(*) FROM given_up), (SELECT count(*) FROM recorded)
        """
    }

    /// Locks, waiting for them, up to `limit` running jobs leased to `owner`. Run in the
    /// transaction of ``rescue(limit:heldBy:)`` so that its `SKIP LOCKED` cannot skip a row the
    /// owner's own lease extension happened to hold at that moment.
    static func lockJobs(heldBy owner: WorkerID, limit: Int) -> PostgresQuery {
        """
        SELECT id FROM push.job
        WHERE state = 'running' AND lease_owner = \(owner.rawValue)
        ORDER BY id
        LIMIT \(Int64(limit))
        FOR UPDATE
        """
    }

    /// Ends up to `limit` waiting jobs that will never be sent: those of expired campaigns become
    /// `expired` outcomes, those of cancelled campaigns `cancelled` outcomes, and their rows go.
    /// Running jobs are left to their worker. Returns (jobs, tokens).
    static func sweep(limit: Int) -> PostgresQuery {
        """
        WITH doomed AS MATERIALIZED (
            SELECT id FROM push.job
            WHERE state = 'available' AND (cancelled OR expires_at <= now())
            LIMIT \(Int64(limit))
            FOR UPDATE SKIP LOCKED
        ), gone AS (
            DELETE FROM push.job j USING doomed d
            WHERE j.id = d.id
            RETURNING j.id, j.campaign_id, j.attempt, j.cancelled, j.created_at, j.token_ids
        ), recorded AS (
            INSERT INTO push.outcome (campaign_id, token_id, job_id, attempt, kind, enqueued_at)
            SELECT g.campaign_id, t.id, g.id, g.attempt,
                   CASE WHEN g.cancelled THEN 'cancelled' ELSE 'expired' END::push.outcome_kind, g.created_at
            FROM gone g CROSS JOIN LATERAL unnest(g.token_ids) AS t (id)
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM gone), (SELECT count(*) FROM recorded)
        """
    }

    /// Records that `worker` is alive (inserting its row on the first beat).
    static func heartbeat(worker: WorkerID, host: String, pid: Int32, version: String) -> PostgresQuery {
        """
        INSERT INTO push.worker AS w (id, host, pid, version)
        VALUES (\(worker.rawValue), \(host), \(pid), \(version))
        ON CONFLICT (id) DO UPDATE SET last_seen_at = now(), stopped_at = NULL
        """
    }

    /// Marks `worker` as stopped (graceful shutdown).
    static func workerStopped(worker: WorkerID) -> PostgresQuery {
        "UPDATE push.worker SET stopped_at = now(), last_seen_at = now() WHERE id = \(worker.rawValue)"
    }

    /// Records why an app's credentials could not be used; `nil` clears the error.
    static func recordCredentialError(app: AppID, message: String?) -> PostgresQuery {
        """
        UPDATE push.app
        SET credential_error = \(message),
            credential_error_at = CASE WHEN \(message)::text IS NULL THEN NULL ELSE now() END
        WHERE id = \(app.rawValue)
        """
    }

    /// Records a report that a token became invalid at `invalidAt`: disables it unless it was
    /// registered again later, and logs it in `push.feedback_event`. Returns the action taken.
    static func recordTokenInvalid(app: AppID, token: [UInt8], invalidAt: Date) -> PostgresQuery {
        "SELECT push.record_feedback(\(app.rawValue), \(ByteBuffer(bytes: token))::bytea, \(invalidAt))"
    }

    /// Records a chunk of feedback reports of one app (`push.record_feedback_batch`, migration
    /// 005): disables tokens not registered again after their report, logs new reports in
    /// `push.feedback_event`, skips reports already logged. Returns `(action, tuples)` per action.
    ///
    /// Locks: an advisory lock per app, then the reported tokens' rows (`FOR NO KEY UPDATE`, id
    /// order). Indexes: `device_token (app_id, token)`, `feedback_event_tuple`.
    static func recordFeedbackBatch(app: AppID, tokens: [ByteBuffer], invalidAt: [Date]) -> PostgresQuery {
        """
        SELECT action, tuples
        FROM push.record_feedback_batch(\(app.rawValue), \(tokens)::bytea[], \(invalidAt)::timestamptz[])
        """
    }

    /// The sending parameters of one campaign.
    static func campaign(id: CampaignID) -> PostgresQuery {
        """
        SELECT c.id, c.app_id, c.payload::text, c.apns_priority, c.push_type, c.collapse_id,
               CASE WHEN c.expires_at = 'infinity' THEN NULL ELSE c.expires_at END, c.state::text
        FROM push.campaign c WHERE c.id = \(id.rawValue)
        """
    }

    /// Apps with their effective endpoints (`push.app_endpoint`), in id order; `id` or `name`
    /// narrows to one app when given.
    static func apps(id: AppID? = nil, name: String? = nil) -> PostgresQuery {
        """
        SELECT a.id, a.name, a.topic, a.environment::text, a.transport::text,
               e.gateway_host, e.gateway_port, e.feedback_host, e.feedback_port, a.auth::text,
               a.certificate_path, a.private_key_path, a.passphrase_env, a.passphrase_file, a.ca_file,
               a.connections_per_worker, a.key_id, a.team_id
        FROM push.app a JOIN push.app_endpoint e ON e.app_id = a.id
        WHERE (\(id?.rawValue)::integer IS NULL OR a.id = \(id?.rawValue))
          AND (\(name)::text IS NULL OR a.name = \(name))
        ORDER BY a.id
        """
    }

    /// Whether any job is left that a worker could still send: waiting (due or not) or running,
    /// not cancelled, of an app other than `excludingApps`. Expired and cancelled jobs are the
    /// sweeper's and do not count.
    static func hasPendingWork(excludingApps: [Int32]) -> PostgresQuery {
        """
        SELECT EXISTS (
            SELECT 1 FROM push.job
            WHERE NOT cancelled AND expires_at > now() AND app_id <> ALL (\(excludingApps)::integer[]))
        """
    }

    /// Wakes listeners of `channel` (used by tests and tools; enqueue functions notify themselves).
    static func notify(channel: String, payload: String) -> PostgresQuery {
        "SELECT pg_notify(\(channel), \(payload))"
    }
}

/// SQL the migrator runs; kept beside the queue's statements so all SQL text lives in this file.
enum MigrationQueries {
    /// Serialises migrators across hosts for the rest of the transaction.
    static func lock(key: Int64) -> PostgresQuery {
        "SELECT pg_advisory_xact_lock(\(key))"
    }

    static let createSchema: PostgresQuery = "CREATE SCHEMA IF NOT EXISTS push"

    static let createHistory: PostgresQuery = """
        CREATE TABLE IF NOT EXISTS push.schema_migration (
            version    integer PRIMARY KEY,
            name       text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now()
        )
        """

    /// Whether the history table exists, without creating it (no privilege beyond USAGE needed).
    static let historyExists: PostgresQuery = "SELECT to_regclass('push.schema_migration') IS NOT NULL"

    static let history: PostgresQuery = "SELECT version, name FROM push.schema_migration ORDER BY version"

    /// A session-local helper that runs a multi-statement script: the extended protocol accepts
    /// one statement per query, PL/pgSQL's EXECUTE accepts a whole script.
    static let createScriptRunner: PostgresQuery = """
        CREATE OR REPLACE FUNCTION pg_temp.pushworker_run_script(script text) RETURNS void
        LANGUAGE plpgsql AS $$ BEGIN EXECUTE script; END $$
        """

    static func runScript(_ script: String) -> PostgresQuery {
        "SELECT pg_temp.pushworker_run_script(\(script))"
    }

    static func recordApplied(version: Int32, name: String) -> PostgresQuery {
        "INSERT INTO push.schema_migration (version, name) VALUES (\(version), \(name))"
    }
}
