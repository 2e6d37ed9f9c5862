-- 008: retention and the storage settings of the tables that grow.
--
-- `pushworker prune --older-than 30d` (JobQueue's QueueRetention) removes campaigns that finished
-- before a cutoff, with their recipients and ledger rows, plus old feedback events and old worker
-- rows. It works in short transactions of bounded batches: first a campaign row is deleted and
-- noted in push.campaign_pruning (in the transaction that locks it and proves it finished), then its
-- push.recipient and push.outcome rows go a batch at a time, then the note. An interrupted prune
-- leaves notes behind, and the next run finishes them first. Rows of campaigns that are not noted
-- here are never deleted in batches, so an unfinished campaign is never touched.

CREATE TABLE push.campaign_pruning (
    campaign_id     bigint PRIMARY KEY,
    app_id          integer NOT NULL,
    name            text,
    recipient_count bigint NOT NULL,
    -- when prune deleted the campaign row; its recipients and outcomes go in batches after that
    retired_at      timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE push.campaign_pruning IS
    'Campaigns whose row prune deleted and whose recipient and outcome rows it is still deleting in batches.';

-- Prune runs as the owner of the schema (like migrate): none of the roles of 006 may delete
-- outcomes, recipients or campaigns, and none gets this table. Said explicitly:
REVOKE ALL ON push.campaign_pruning FROM PUBLIC, pushworker_worker, pushworker_enqueuer, pushworker_reporter;

-- Autovacuum of the tables that grow --------------------------------------------------------------
-- push.job carries its settings since 001 (fixed threshold of 500 dead rows, no cost delay).
-- ALTER TABLE ... SET (storage parameters) takes SHARE UPDATE EXCLUSIVE: reads and writes go on.

-- The ledger and the dedup set are insert-only until prune deletes whole campaigns from them. The
-- default scale factors (20 %) let a 100M-row ledger collect 20M dead rows after a prune, and
-- leave new pages out of the visibility map (index-only scans) and out of the BRIN summary (every
-- campaign report reads unsummarised ranges) until 20 % more rows arrived. 2 % keeps both close.
ALTER TABLE push.outcome SET (
    autovacuum_vacuum_scale_factor = 0.02,
    autovacuum_vacuum_insert_scale_factor = 0.02,
    autovacuum_analyze_scale_factor = 0.02
);
ALTER TABLE push.recipient SET (
    autovacuum_vacuum_scale_factor = 0.02,
    autovacuum_vacuum_insert_scale_factor = 0.02,
    autovacuum_analyze_scale_factor = 0.02
);

-- Heartbeats update every live worker's row every few seconds: a tiny, hot table. Leave room for
-- HOT updates and vacuum after a fixed number of dead rows rather than a fraction of nothing.
ALTER TABLE push.worker SET (
    fillfactor = 50,
    autovacuum_vacuum_scale_factor = 0,
    autovacuum_vacuum_threshold = 200,
    autovacuum_vacuum_cost_delay = 0
);
