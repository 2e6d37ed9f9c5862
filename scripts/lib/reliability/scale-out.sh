# Scenario scale-out: 4 worker processes share one database and one campaign. Every token must
# end with exactly one outcome and the gateway must have accepted none of them twice.
scenario_scale_out() {
    local name=scale-out workers=4
    rel_setup "$name"
    e2e_log "$name: $workers workers"
    local start; start=$(rel_now)
    e2e_run_workers "$workers" "$REL_DIR" --database-url "$REL_URL" --log-format text "${REL_WORKER_ARGS[@]}"
    local sent_s; sent_s=$(rel_seconds_since "$start")
    [ "$WORKERS_FAILED" -eq 0 ] || { e2e_log "$name: $WORKERS_FAILED worker(s) failed"; tail -n 20 "$REL_DIR"/worker-*.log >&2; return 1; }
    local failed=0
    rel_verdict "$name" "workers=$workers send_s=$sent_s worker_rss_mb=$WORKER_RSS_MB" || failed=1
    [ "$REL_DUPLICATES" -eq 0 ] || { e2e_log "$name: FAILED: $REL_DUPLICATES duplicates, 0 allowed"; failed=1; }
    return $failed
}
