# Scenario gateway-faults: 3 workers against a gateway that misbehaves in every way the binary
# protocol allows — REL_INVALID invalid tokens (status 8), status 1 (processing error) for 0.1 %
# of the rest, a status-10 shutdown every 10,000 accepted notifications and an abrupt close (no
# response, no TLS close_notify) every 5,000, 200 ms before every socket read — and that is
# killed (SIGKILL) at 40 % of the campaign and started again 30 s later on the same port, its
# ledger appended to.
#
# Asserts: every worker exits 0; nothing lost, unaccounted 0; no token `failed` (a gateway down
# for 30 s must not use up attempts); duplicates at most the bound: the notifications the workers'
# pools handed back unproven (a connection ended without an error response after they were
# written, so the gateway may have taken them: `resent_unproven` in each worker's final "gateway
# pool totals" line). Figures: resumed_s, from the restart until the gateway accepts again (its
# ledger grows; the ledger is written at least every second); done_s, from the restart until the
# campaign is finished.
scenario_gateway_faults() {
    local name=gateway-faults workers=3 outage=30 at_percent=40
    REL_GATEWAY_ARGS=(--processing-error-rate 0.001 --seed 5 --shutdown-every 10000 --abrupt-close-every 5000
        --read-latency-ms 200)
    rel_setup "$name"
    REL_GATEWAY_ARGS=()
    local index workers_started=()
    for ((index = 1; index <= workers; index++)); do
        rel_start_worker "gw-$index"
        workers_started+=("gw-$index=$REL_PID")
    done
    rel_wait_done "$name" $((REL_TOKENS * at_percent / 100)) 1800
    local done=$REL_DONE deadline failed=0
    local ledger="$REL_DIR/gateway-ledger.tsv"
    kill -KILL "$GATEWAY_PID"
    wait "$GATEWAY_PID" 2>/dev/null || true
    GATEWAY_PID=""
    local lines_at_kill; lines_at_kill=$(wc -l <"$ledger")
    e2e_log "$name: SIGKILL to the gateway at $done of $REL_TOKENS done ($lines_at_kill ledger lines); starting it again in $outage s"
    sleep "$outage"
    rel_restart_gateway
    local restarted; restarted=$(rel_now)
    local done_at_restart; done_at_restart=$(rel_done)
    e2e_log "$name: gateway started again on port $GATEWAY_PORT at $done_at_restart done"
    local resumed_s=""
    deadline=$((SECONDS + 300))
    while [ -z "$resumed_s" ]; do
        [ $SECONDS -lt $deadline ] || { e2e_log "$name: FAILED: the gateway accepted nothing within 300 s of its restart"; failed=1; break; }
        if [ "$(wc -l <"$ledger")" -gt "$lines_at_kill" ]; then resumed_s=$(rel_seconds_since "$restarted"); else sleep 0.1; fi
    done
    e2e_log "$name: the gateway accepted again after ${resumed_s:-never} s"
    rel_wait_workers "$name" 1800 "${workers_started[@]}" || failed=1
    local done_s; done_s=$(rel_seconds_since "$restarted")
    local bound
    bound=$(rel_log_sum 'gateway pool totals' resent_unproven "$REL_DIR"/worker-gw-*.log)
    local totals
    totals=$(cat "$REL_DIR"/worker-gw-*.log | grep -c 'gateway pool totals' || true)
    [ "$totals" -ge "$workers" ] || e2e_log "$name: WARNING: only $totals 'gateway pool totals' lines in $workers worker logs; the bound is incomplete"
    rel_verdict "$name" "workers=$workers bound=$bound killed_at_done=$done outage_s=$outage resumed_s=${resumed_s:-never} done_after_restart_s=$done_s" || failed=1
    [ "$REL_DUPLICATES" -le "$bound" ] || { e2e_log "$name: FAILED: $REL_DUPLICATES duplicates exceed the bound $bound"; failed=1; }
    [ "$REL_FAILED" -eq 0 ] || { e2e_log "$name: FAILED: $REL_FAILED tokens recorded failed, 0 allowed"; failed=1; }
    return $failed
}
