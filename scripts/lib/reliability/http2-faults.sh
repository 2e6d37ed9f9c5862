# Scenario http2-faults: 3 workers send over the HTTP/2 provider API (token authentication) to a
# gateway that misbehaves the ways APNs does: REL_INVALID invalid tokens (410 Unregistered), 503
# ServiceUnavailable for 0.5 % of the rest, a stream limit that drops to 1 after every 5,000
# answers and rises again 50 answers later, a GOAWAY after 4,000 answers on each connection, and
# 20 ms before every response.
#
# Asserts: every worker exits 0; nothing lost, unaccounted 0; no token `failed` (503 is retried);
# duplicates at most the streams the pools sent again after losing them unanswered
# (`resent_unproven` in each worker's "gateway pool totals" line; a GOAWAY or a refused stream
# proves the request was not processed, so these faults alone should leave 0).
scenario_http2_faults() {
    local name=http2-faults workers=3 failed=0
    REL_TRANSPORT=http2
    REL_GATEWAY_ARGS=(--seed 11 --http2-reason-rate ServiceUnavailable=0.005 --http2-stream-limit-drop-after 5000
        --http2-stream-limit-rise-after 50 --http2-goaway-after 4000 --http2-latency-ms 20)
    rel_setup "$name"
    REL_GATEWAY_ARGS=()
    REL_TRANSPORT=binary
    local index workers_started=() start
    start=$(rel_now)
    for ((index = 1; index <= workers; index++)); do
        rel_start_worker "h2-$index"
        workers_started+=("h2-$index=$REL_PID")
    done
    rel_wait_workers "$name" 1800 "${workers_started[@]}" || failed=1
    local send_s; send_s=$(rel_seconds_since "$start")
    local bound goaways limit_changes
    bound=$(rel_log_sum 'gateway pool totals' resent_unproven "$REL_DIR"/worker-h2-*.log)
    e2e_stop_gateway >/dev/null 2>&1 || true
    goaways=$(grep -E '"goAwaysSent"' "$REL_DIR/gateway.log" | tail -n 1 | tr -dc '0-9')
    limit_changes=$(grep -E '"streamLimitChanges"' "$REL_DIR/gateway.log" | tail -n 1 | tr -dc '0-9')
    rel_verdict "$name" "workers=$workers bound=$bound send_s=$send_s goaways=${goaways:-?} stream_limit_changes=${limit_changes:-?}" || failed=1
    [ "$REL_DUPLICATES" -le "$bound" ] || { e2e_log "$name: FAILED: $REL_DUPLICATES duplicates exceed the bound $bound"; failed=1; }
    [ "$REL_FAILED" -eq 0 ] || { e2e_log "$name: FAILED: $REL_FAILED tokens recorded failed, 0 allowed"; failed=1; }
    [ "${goaways:-0}" -gt 0 ] && [ "${limit_changes:-0}" -gt 0 ] \
        || { e2e_log "$name: FAILED: the faults did not happen (goaways=${goaways:-?} stream_limit_changes=${limit_changes:-?})"; failed=1; }
    return $failed
}
