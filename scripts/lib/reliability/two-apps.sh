# Steps of the scenarios that run two apps side by side in one worker (poison, back-pressure):
# a database with several apps, one campaign per app, a worker watched from /proc while it runs,
# and a verdict per campaign. Source after postgres.sh, e2e.sh and campaign.sh; functions only.
#
#   rel_new_database NAME            database rel_<name> (migrated); sets REL_DIR, REL_URL
#   rel_app_with_tokens APP N PREFIX app row (the mock PKI's client.p12) and N tokens
#   rel_enqueue APP PAYLOAD          creates and enqueues a campaign to every token of APP; prints its id
#   rel_watch PID A B                samples the worker every 0.2 s until it exits: its RSS (VmRSS),
#                                    and the outcomes of campaigns A and B; sets REL_STATUS,
#                                    REL_MAX_RSS_MB (VmHWM), REL_RSS_GROWTH_MB (largest RSS in the
#                                    last third of the run minus the largest in the first third),
#                                    REL_DONE_S_A / REL_DONE_S_B (seconds until each campaign had
#                                    every outcome; one finished between the last sample and the
#                                    worker's exit counts as done at the exit), REL_STALL_S_A (longest stretch before A was done
#                                    in which A got no outcome) and REL_SAMPLES (the file: t rss_kb a b);
#                                    calls $REL_WATCH_HOOK (a function name) after each sample when set
#   rel_start_worker_under_test ID ARGS...
#                                    rel_start_worker with $REL_WORKER_BINARY when set (e.g. an older
#                                    release, to compare), else $PUSHWORKER; the gateways stay ours
#   rel_judge_side_by_side NAME LOST UNACCOUNTED
#                                    the rules both two-app scenarios share, after rel_verdict_of of
#                                    the healthy campaign (V_*): LOST and UNACCOUNTED (both campaigns)
#                                    are 0, the healthy campaign was accepted whole with no
#                                    duplicate, it never waited more than 5 s for an outcome
#                                    (REL_STALL_S_A), and RSS grew by at most 16 MB; returns 1 when
#                                    one breaks (naming it)
#   rel_verdict_of CAMPAIGN LEDGER INVALID
#                                    scripts/verdict for one campaign; sets V_ACCEPTED, V_REJECTED,
#                                    V_LOST, V_DUPLICATES, V_UNACCOUNTED (returns 1 when it cannot run)

rel_new_database() {
    local name=$1
    REL_DIR="$REL_WORK/$name"
    mkdir -p "$REL_DIR"
    ln -sfn ../certs "$REL_DIR/certs"   # e2e_start_gateway reads DIR/certs
    local db="rel_${name//-/_}"
    REL_URL="${PG_THROWAWAY_URL%/*}/$db"
    e2e_psql "$PG_THROWAWAY_URL" -c "CREATE DATABASE $db"
    "$PUSHWORKER" migrate --database-url "$REL_URL" </dev/null >"$REL_DIR/migrate.log" 2>&1 \
        || { cat "$REL_DIR/migrate.log" >&2; return 1; }
}

rel_app_with_tokens() {
    local app=$1 count=$2 prefix=$3
    e2e_register_app "$REL_URL" "$app" "$REL_WORK/certs"
    e2e_register_tokens "$REL_URL" "$app" "$count" "$prefix"
}

rel_enqueue() {
    local app=$1 payload=$2 campaign enqueued
    campaign=$(e2e_psql "$REL_URL" -v app="$app" -v payload="$payload" <<<"SELECT push.create_campaign(:'app', :'payload')")
    enqueued=$(e2e_psql "$REL_URL" -c "SELECT push.enqueue_campaign($campaign)")
    e2e_log "campaign $campaign of app $app: $enqueued tokens enqueued"
    echo "$campaign"
}

rel_watch() {
    local pid=$1 a=$2 b=$3 start now t rss done_a=0 done_b=0 total_a total_b
    REL_SAMPLES="$REL_DIR/samples.txt"
    : >"$REL_SAMPLES"
    total_a=$(e2e_psql "$REL_URL" -c "SELECT recipient_count FROM push.campaign WHERE id = $a")
    total_b=$(e2e_psql "$REL_URL" -c "SELECT recipient_count FROM push.campaign WHERE id = $b")
    start=$(rel_now)
    REL_DONE_S_A="" REL_DONE_S_B="" REL_STALL_S_A=0 REL_MAX_RSS_MB=0
    local last_a=0 last_change=$start hwm=0 watch_started=$SECONDS
    while e2e_sample "$pid" && [ "$PROC_STATE" != Z ]; do
        [ "$HWM_KB" -gt "$hwm" ] && hwm=$HWM_KB
        rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo 0)
        read -r done_a done_b < <(e2e_psql "$REL_URL" -F ' ' -c "SELECT
            (SELECT count(*) FROM push.outcome WHERE campaign_id = $a), (SELECT count(*) FROM push.outcome WHERE campaign_id = $b)")
        now=$(rel_now)
        t=$(awk -v a="$start" -v b="$now" 'BEGIN { printf "%.1f", b - a }')
        echo "$t ${rss:-0} $done_a $done_b" >>"$REL_SAMPLES"
        [ -z "${REL_WATCH_HOOK:-}" ] || "$REL_WATCH_HOOK"
        if [ -z "$REL_DONE_S_A" ]; then
            if [ "$done_a" -gt "$last_a" ]; then last_a=$done_a; last_change=$now; fi
            REL_STALL_S_A=$(awk -v s="$REL_STALL_S_A" -v a="$last_change" -v b="$now" 'BEGIN { d = b - a; printf "%.1f", (d > s ? d : s) }')
            [ "$done_a" -lt "$total_a" ] || REL_DONE_S_A=$t
        fi
        [ -n "$REL_DONE_S_B" ] || [ "$done_b" -lt "$total_b" ] || REL_DONE_S_B=$t
        [ $SECONDS -lt $((watch_started + ${REL_WATCH_LIMIT:-900})) ] || { e2e_log "the worker still runs after ${REL_WATCH_LIMIT:-900} s; stopping it"; e2e_stop_pid "$pid" 40 || true; break; }
        sleep 0.2
    done
    REL_STATUS=0; wait "$pid" || REL_STATUS=$?
    rel_forget_worker "$pid"
    # A campaign finished between the last sample and the worker's exit is done by the exit.
    if [ -z "$REL_DONE_S_A" ] || [ -z "$REL_DONE_S_B" ]; then
        read -r done_a done_b < <(e2e_psql "$REL_URL" -F ' ' -c "SELECT
            (SELECT count(*) FROM push.outcome WHERE campaign_id = $a), (SELECT count(*) FROM push.outcome WHERE campaign_id = $b)")
        t=$(awk -v a="$start" -v b="$(rel_now)" 'BEGIN { printf "%.1f", b - a }')
        [ -n "$REL_DONE_S_A" ] || [ "$done_a" -lt "$total_a" ] || REL_DONE_S_A=$t
        [ -n "$REL_DONE_S_B" ] || [ "$done_b" -lt "$total_b" ] || REL_DONE_S_B=$t
    fi
    REL_MAX_RSS_MB=$(( (hwm + 512) / 1024 ))
    REL_RSS_GROWTH_MB=$(awk '{ rss[NR] = $2 } END {
        third = int(NR / 3); if (third < 1) { print 0; exit }
        for (i = 1; i <= third; i++) if (rss[i] > first) first = rss[i]
        for (i = NR - third + 1; i <= NR; i++) if (rss[i] > last) last = rss[i]
        printf "%d", (last - first) / 1024 }' "$REL_SAMPLES")
}

rel_start_worker_under_test() {
    local PUSHWORKER=${REL_WORKER_BINARY:-$PUSHWORKER}
    rel_start_worker "$@"
}

rel_verdict_of() {
    local campaign=$1 ledger=$2 invalid=$3 verdict status=0
    verdict=$(scripts/verdict --database-url "$REL_URL" --ledger "$ledger" --invalid-tokens "$invalid" --campaign "$campaign") || status=$?
    echo "$verdict" | sed "s/^/campaign $campaign: /" >&2
    [ "$status" -le 1 ] || { e2e_log "the verdict of campaign $campaign could not be computed"; return 1; }
    local line; line=$(tail -n 1 <<<"$verdict")
    V_ACCEPTED=$(sed -n 's/.* accepted=\([0-9]*\).*/\1/p' <<<"$line")
    V_REJECTED=$(sed -n 's/.* rejected=\([0-9]*\).*/\1/p' <<<"$line")
    V_LOST=$(sed -n 's/.* lost=\([0-9]*\).*/\1/p' <<<"$line")
    V_DUPLICATES=$(sed -n 's/.* duplicates=\([0-9]*\).*/\1/p' <<<"$line")
    V_UNACCOUNTED=$(sed -n 's/.* unaccounted=\([0-9]*\).*/\1/p' <<<"$line")
}

rel_judge_side_by_side() {
    local name=$1 lost=$2 unaccounted=$3 max_stall_s=5 max_growth_mb=16 failed=0
    [ "$lost" -eq 0 ] && [ "$unaccounted" -eq 0 ] || { e2e_log "$name: FAILED: $lost lost, $unaccounted unaccounted"; failed=1; }
    [ "$V_ACCEPTED" -eq "$REL_TOKENS" ] && [ "$V_DUPLICATES" -eq 0 ] \
        || { e2e_log "$name: FAILED: the healthy campaign was not accepted whole, once ($V_ACCEPTED accepted, $V_DUPLICATES duplicates)"; failed=1; }
    awk -v s="$REL_STALL_S_A" -v m="$max_stall_s" 'BEGIN { exit !(s <= m) }' \
        || { e2e_log "$name: FAILED: the healthy campaign waited $REL_STALL_S_A s for an outcome (at most $max_stall_s s)"; failed=1; }
    [ "$REL_RSS_GROWTH_MB" -le "$max_growth_mb" ] || { e2e_log "$name: FAILED: RSS grew by $REL_RSS_GROWTH_MB MB over the run"; failed=1; }
    return $failed
}
