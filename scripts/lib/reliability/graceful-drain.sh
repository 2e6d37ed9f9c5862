# Scenario graceful-drain: SIGTERM to every worker mid-campaign. Each must exit 0 within its
# drain timeout, holding no job afterwards; then new workers finish the campaign. Nothing lost,
# no duplicates.
scenario_graceful_drain() {
    local name=graceful-drain workers=3 drain_timeout=30 at_percent=30
    rel_setup "$name"
    local index pids=() ids=()
    for ((index = 1; index <= workers; index++)); do
        rel_start_worker "drain-$index" --drain-timeout "$drain_timeout"
        pids+=("$REL_PID"); ids+=("drain-$index")
    done
    rel_wait_done "$name" $((REL_TOKENS * at_percent / 100)) 900
    local done=$REL_DONE
    local held
    held=$(e2e_psql "$REL_URL" -c "SELECT count(*) || ' jobs, ' || coalesce(sum(cardinality(token_ids)), 0) || ' tokens' FROM push.job WHERE state = 'running'")
    e2e_log "$name: $done of $REL_TOKENS done; workers hold $held; SIGTERM to all $workers"
    local pid failed=0 slowest=0
    for pid in "${pids[@]}"; do kill -TERM "$pid"; done
    for index in "${!pids[@]}"; do
        # The group allows drain + 30 s before it gives up; past that the worker is stuck.
        rel_wait_exit "${pids[$index]}" $((drain_timeout + 60))
        e2e_log "$name: ${ids[$index]} exited with status $REL_STATUS after $REL_WAITED_S s"
        if [ "$REL_STATUS" -ne 0 ] || awk -v w="$REL_WAITED_S" -v t="$drain_timeout" 'BEGIN { exit !(w > t) }'; then
            e2e_log "$name: FAILED: ${ids[$index]} must exit 0 within its drain timeout ($drain_timeout s)"
            [ "$REL_STATUS" -ne 124 ] || e2e_stop_pid "${pids[$index]}" 1 || true
            failed=1
        fi
        slowest=$(awk -v a="$slowest" -v b="$REL_WAITED_S" 'BEGIN { print (b > a ? b : a) }')
    done
    local still_held stopped handed_back
    still_held=$(e2e_psql "$REL_URL" -c "SELECT count(*) FROM push.job WHERE state = 'running'")
    stopped=$(e2e_psql "$REL_URL" -c "SELECT count(*) FROM push.worker WHERE id LIKE 'drain-%' AND stopped_at IS NOT NULL")
    handed_back=$(rel_log_sum 'may already have taken' notifications "$REL_DIR"/worker-drain-*.log)
    local after; after=$(rel_done)
    e2e_log "$name: after the drain: $after done, $still_held jobs still leased, $stopped of $workers marked stopped, $handed_back unproven notifications handed back"
    [ "$still_held" -eq 0 ] || { e2e_log "$name: FAILED: drained workers still hold $still_held jobs"; failed=1; }
    [ "$stopped" -eq "$workers" ] || { e2e_log "$name: FAILED: only $stopped of $workers workers marked stopped"; failed=1; }
    e2e_log "$name: restarting $workers workers to finish the campaign"
    e2e_run_workers "$workers" "$REL_DIR" --database-url "$REL_URL" --log-format text "${REL_WORKER_ARGS[@]}"
    [ "$WORKERS_FAILED" -eq 0 ] || { e2e_log "$name: $WORKERS_FAILED restarted worker(s) failed"; failed=1; }
    rel_verdict "$name" "workers=$workers sigterm_at_done=$done done_after_drain=$after slowest_drain_s=$slowest drain_timeout_s=$drain_timeout handed_back_unproven=$handed_back" || failed=1
    [ "$REL_DUPLICATES" -eq 0 ] || { e2e_log "$name: FAILED: $REL_DUPLICATES duplicates, 0 allowed"; failed=1; }
    return $failed
}
