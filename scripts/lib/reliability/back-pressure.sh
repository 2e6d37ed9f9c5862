# Scenario back-pressure: one worker sends for two apps, each with its own gateway. The "stalled"
# app's gateway stops reading once it has accepted a fifth of that app's campaign (mock flag
# --stop-reading-after) and reads again 20 s later (--resume-reading-after-ms): its TCP receive
# windows fill, the worker's sockets stop being writable, new TLS handshakes never finish. Its
# notifications carry a 2,000-byte payload so that a connection's window of notifications is far
# more than the socket buffers hold. The stalled campaign is enqueued first.
#
# Asserts: the worker exits 0; the healthy app keeps flowing during the stall (never more than
# 5 s without an outcome: healthy_stall_s) and is accepted whole, with no duplicate; after the
# resume the stalled campaign is finished too with nothing lost or unaccounted (duplicates are
# allowed there: a connection the worker gave up on while the gateway held unread notifications
# is read once the gateway resumes, and the worker had resent them — the binary protocol's one
# case of a possible duplicate); the worker's RSS does not grow over the run (rss_growth_mb at
# most 16 MB). Figures: stall_seen / resume_seen (seconds into the run and healthy outcomes by
# then, when the watcher first saw the gateway's stop and resume lines), the largest bytes queued in the worker's sockets to the stalled gateway
# (worker_send_q_kb) and unread at the gateway (gateway_recv_q_kb) while it stalled.
# The stalled campaign has a quarter of --tokens; the healthy one has --tokens.
scenario_back_pressure() {
    local name=back-pressure stalled_tokens=$((REL_TOKENS / 4)) resume_ms=20000
    local stop_after=$((stalled_tokens / 5))
    rel_new_database "$name"
    e2e_log "$name: registering $REL_TOKENS healthy and $stalled_tokens stalled tokens"
    rel_app_with_tokens healthy "$REL_TOKENS" "pushworker-healthy-"
    rel_app_with_tokens stalled "$stalled_tokens" "pushworker-stalled-"
    e2e_psql "$REL_URL" -c "VACUUM ANALYZE push.device_token"

    mkdir -p "$REL_DIR/stalled-gateway" "$REL_DIR/healthy-gateway"
    ln -sfn ../../certs "$REL_DIR/stalled-gateway/certs"
    ln -sfn ../../certs "$REL_DIR/healthy-gateway/certs"
    e2e_start_gateway "$REL_DIR/healthy-gateway" --ledger "$REL_DIR/healthy-gateway/ledger.tsv" --no-feedback
    e2e_point_app "$REL_URL" healthy
    local healthy_gateway=$GATEWAY_PID
    E2E_WORKER_PIDS+=("$healthy_gateway")   # stopped by e2e_cleanup if the scenario fails
    e2e_start_gateway "$REL_DIR/stalled-gateway" --ledger "$REL_DIR/stalled-gateway/ledger.tsv" --no-feedback \
        --stop-reading-after "$stop_after" --resume-reading-after-ms "$resume_ms"
    e2e_point_app "$REL_URL" stalled
    BP_STALLED_PORT=$GATEWAY_PORT BP_GATEWAY_LOG="$REL_DIR/stalled-gateway/gateway.log"

    local big_alert stalled healthy
    big_alert=$(head -c 1960 /dev/zero | tr '\0' 'x')
    stalled=$(rel_enqueue stalled "{\"aps\":{\"alert\":\"$big_alert\"}}")
    healthy=$(rel_enqueue healthy '{"aps":{"alert":"healthy"}}')
    e2e_psql "$REL_URL" -c "VACUUM ANALYZE push.job"

    BP_SEND_Q_KB=0 BP_RECV_Q_KB=0 BP_STALL_SEEN="" BP_RESUME_SEEN=""
    REL_WATCH_HOOK=bp_sample_queues
    rel_start_worker_under_test back-pressure-1
    rel_watch "$REL_PID" "$healthy" "$stalled"
    REL_WATCH_HOOK=""
    local failed=0
    [ "$REL_STATUS" -eq 0 ] || { e2e_log "$name: FAILED: the worker exited with status $REL_STATUS"; tail -n 20 "$REL_DIR/worker-back-pressure-1.log" >&2; failed=1; }
    e2e_stop_gateway >/dev/null 2>&1 || true
    rel_forget_worker "$healthy_gateway"
    e2e_stop_pid "$healthy_gateway" 15 >/dev/null 2>&1 || true
    local stopped_line resumed_line
    stopped_line=$(grep -m1 'stopped reading' "$BP_GATEWAY_LOG" || true)
    resumed_line=$(grep -m1 'resumed reading' "$BP_GATEWAY_LOG" || true)
    [ -n "$stopped_line" ] || { e2e_log "$name: FAILED: the stalled gateway never stopped reading"; failed=1; }
    [ -n "$resumed_line" ] || { e2e_log "$name: FAILED: the stalled gateway never resumed reading"; failed=1; }

    rel_verdict_of "$stalled" "$REL_DIR/stalled-gateway/ledger.tsv" /dev/null || return 1
    local stalled_accepted=$V_ACCEPTED stalled_duplicates=$V_DUPLICATES lost=$V_LOST unaccounted=$V_UNACCOUNTED
    local stalled_failed
    stalled_failed=$(e2e_psql "$REL_URL" -c "SELECT count(*) FROM push.outcome WHERE campaign_id = $stalled AND kind = 'failed'")
    rel_verdict_of "$healthy" "$REL_DIR/healthy-gateway/ledger.tsv" /dev/null || return 1
    lost=$((lost + V_LOST)) unaccounted=$((unaccounted + V_UNACCOUNTED))
    echo "scenario=$name lost=$lost duplicates=$V_DUPLICATES unaccounted=$unaccounted tokens=$((REL_TOKENS + stalled_tokens))" \
        "accepted=$((V_ACCEPTED + stalled_accepted)) rejected=$((V_REJECTED)) healthy_tokens=$REL_TOKENS stalled_tokens=$stalled_tokens" \
        "stop_reading_after=$stop_after resume_after_s=$((resume_ms / 1000)) stall_seen=${BP_STALL_SEEN:-never}" \
        "resume_seen=${BP_RESUME_SEEN:-never} healthy_done_s=${REL_DONE_S_A:-never}" \
        "stalled_done_s=${REL_DONE_S_B:-never} healthy_stall_s=$REL_STALL_S_A stalled_accepted=$stalled_accepted" \
        "stalled_failed=$stalled_failed stalled_duplicates=$stalled_duplicates worker_send_q_kb=$BP_SEND_Q_KB" \
        "gateway_recv_q_kb=$BP_RECV_Q_KB max_rss_mb=$REL_MAX_RSS_MB rss_growth_mb=$REL_RSS_GROWTH_MB load=$(cut -d' ' -f1 /proc/loadavg)"
    rel_judge_side_by_side "$name" "$lost" "$unaccounted" || failed=1
    [ "$stalled_accepted" -eq "$stalled_tokens" ] || { e2e_log "$name: FAILED: $stalled_accepted of $stalled_tokens stalled tokens accepted after the resume"; failed=1; }
    return $failed
}

# rel_watch hook: while the stalled gateway is stopped, the largest Send-Q of the worker's sockets
# to it and Recv-Q of the gateway's sockets (ss, kilobytes, summed over the connections).
# Also notes the time and the healthy campaign's outcomes when the stall was first and last seen
# (rel_watch's t and done_a, in scope here): BP_STALL_SEEN="<t>@<done>", BP_RESUME_SEEN likewise.
bp_sample_queues() {
    grep -q 'stopped reading' "$BP_GATEWAY_LOG" 2>/dev/null || return 0
    [ -n "$BP_STALL_SEEN" ] || BP_STALL_SEEN="${t}s@$done_a"
    if grep -q 'resumed reading' "$BP_GATEWAY_LOG" 2>/dev/null; then
        [ -n "$BP_RESUME_SEEN" ] || BP_RESUME_SEEN="${t}s@$done_a"
        return 0
    fi
    local send recv
    # With a state filter ss prints no State column: Recv-Q is $1, Send-Q $2.
    send=$(ss -tnH state established "( dport = :$BP_STALLED_PORT )" 2>/dev/null | awk '{ s += $2 } END { printf "%d", s / 1024 }')
    recv=$(ss -tnH state established "( sport = :$BP_STALLED_PORT )" 2>/dev/null | awk '{ s += $1 } END { printf "%d", s / 1024 }')
    [ "$send" -le "$BP_SEND_Q_KB" ] || BP_SEND_Q_KB=$send
    [ "$recv" -le "$BP_RECV_Q_KB" ] || BP_RECV_Q_KB=$recv
}
