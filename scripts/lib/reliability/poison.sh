# Scenario poison: one worker sends a campaign whose every token the gateway rejects (status 8:
# invalid token; the binary gateway closes the connection after each rejection, so every token
# costs a TLS connection) beside a healthy campaign of another app on the same gateway. The
# poison campaign is enqueued first, so its jobs come first in claim order.
#
# Asserts: the worker exits 0; the healthy campaign is accepted whole (no duplicate, nothing lost)
# and keeps flowing while the poison one runs — it never waits more than 5 s for an outcome
# (healthy_stall_s); the poison campaign ends with every token rejected, none lost, and every
# one of its tokens disabled; the worker's RSS does not grow over the run (rss_growth_mb, the
# largest RSS of the last third minus that of the first third, at most 16 MB).
# The poison campaign has a tenth of --tokens: it is about connections per second, not volume.
scenario_poison() {
    local name=poison poison_tokens=$((REL_TOKENS / 10))
    rel_new_database "$name"
    e2e_log "$name: registering $REL_TOKENS healthy and $poison_tokens poison tokens"
    rel_app_with_tokens healthy "$REL_TOKENS" "pushworker-healthy-"
    rel_app_with_tokens poison "$poison_tokens" "pushworker-poison-"
    e2e_invalid_tokens "$REL_URL" poison "$poison_tokens" "$REL_DIR/invalid-tokens.txt"
    e2e_psql "$REL_URL" -c "VACUUM ANALYZE push.device_token"
    e2e_start_gateway "$REL_DIR" --ledger "$REL_DIR/gateway-ledger.tsv" \
        --reject-tokens-file "$REL_DIR/invalid-tokens.txt" --no-feedback
    e2e_point_app "$REL_URL" healthy
    e2e_point_app "$REL_URL" poison
    local poison healthy
    poison=$(rel_enqueue poison '{"aps":{"alert":"poison"}}')
    healthy=$(rel_enqueue healthy '{"aps":{"alert":"healthy"}}')
    e2e_psql "$REL_URL" -c "VACUUM ANALYZE push.job"

    rel_start_worker_under_test poison-1
    rel_watch "$REL_PID" "$healthy" "$poison"
    local failed=0
    [ "$REL_STATUS" -eq 0 ] || { e2e_log "$name: FAILED: the worker exited with status $REL_STATUS"; tail -n 20 "$REL_DIR/worker-poison-1.log" >&2; failed=1; }
    e2e_stop_gateway >/dev/null 2>&1 || true

    rel_verdict_of "$poison" "$REL_DIR/gateway-ledger.tsv" "$REL_DIR/invalid-tokens.txt" || return 1
    local poison_rejected=$V_REJECTED poison_accepted=$V_ACCEPTED
    local lost=$V_LOST unaccounted=$V_UNACCOUNTED
    local disabled
    disabled=$(e2e_psql "$REL_URL" -c "SELECT count(*) FROM push.device_token WHERE app_id = push.app_id('poison') AND status = 'disabled'")
    rel_verdict_of "$healthy" "$REL_DIR/gateway-ledger.tsv" "$REL_DIR/invalid-tokens.txt" || return 1
    lost=$((lost + V_LOST)) unaccounted=$((unaccounted + V_UNACCOUNTED))
    local resent
    resent=$(sed -n 's/.*app=poison.* resent=\([0-9]*\).*/\1/p' "$REL_DIR/worker-poison-1.log" | tail -n 1)
    echo "scenario=$name lost=$lost duplicates=$V_DUPLICATES unaccounted=$unaccounted tokens=$((REL_TOKENS + poison_tokens))" \
        "accepted=$V_ACCEPTED rejected=$poison_rejected healthy_tokens=$REL_TOKENS poison_tokens=$poison_tokens" \
        "healthy_done_s=${REL_DONE_S_A:-never} poison_done_s=${REL_DONE_S_B:-never} healthy_stall_s=$REL_STALL_S_A" \
        "poison_disabled=$disabled poison_resent=${resent:-0} max_rss_mb=$REL_MAX_RSS_MB rss_growth_mb=$REL_RSS_GROWTH_MB" \
        "load=$(cut -d' ' -f1 /proc/loadavg)"
    rel_judge_side_by_side "$name" "$lost" "$unaccounted" || failed=1
    [ "$poison_rejected" -eq "$poison_tokens" ] && [ "$poison_accepted" -eq 0 ] || { e2e_log "$name: FAILED: $poison_rejected of $poison_tokens poison tokens rejected"; failed=1; }
    [ "$disabled" -eq "$poison_tokens" ] || { e2e_log "$name: FAILED: $disabled of $poison_tokens poison tokens disabled"; failed=1; }
    return $failed
}
