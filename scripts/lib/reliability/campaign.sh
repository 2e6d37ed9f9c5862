# The steps every reliability scenario shares: its own database and gateway, one campaign,
# worker processes it starts and stops one by one, and the verdict. Source after postgres.sh and
# e2e.sh; defines functions only. Scenario files (scripts/lib/reliability/<name>.sh) call them.
#
#   rel_setup NAME                 database rel_<name> in the throwaway cluster (migrated), app (over
#                                  REL_TRANSPORT: binary, or http2 with token authentication),
#                                  REL_TOKENS tokens (REL_INVALID of them invalid at the gateway),
#                                  gateway with its ledger (and the faults in REL_GATEWAY_ARGS), one
#                                  campaign enqueued with psql; sets REL_DIR, REL_URL, REL_CAMPAIGN
#   rel_restart_gateway            starts the gateway again on the same ports, appending to the
#                                  same ledger (after it was stopped or killed)
#   rel_done_or_empty              rel_done, or nothing while the database does not answer
#   rel_start_worker ID ARGS...    starts `pushworker run --exit-when-idle --worker-id ID` in the
#                                  background (remembered for e2e_cleanup); sets REL_PID
#   rel_worker_backends_busy PID   how many of that worker's PostgreSQL sessions run a statement
#   rel_done                       tokens of the campaign with an outcome
#   rel_wait_done NAME N SECONDS   waits until N tokens have an outcome (REL_DONE: how many then);
#                                  returns 1 after SECONDS
#   rel_log_sum TEXT KEY FILE...   the sum of KEY=<n> over the log lines that contain TEXT (the text
#                                  log format writes the metadata before the message)
#   rel_wait_workers NAME SECONDS ID=PID...
#                                  waits for each worker to exit; returns 1 when one did not exit 0
#                                  within SECONDS (it is then stopped)
#   rel_wait_exit PID SECONDS      waits for PID to exit; REL_STATUS (124 after SECONDS), REL_WAITED_S
#   rel_verdict NAME EXTRA         stops the gateway, runs scripts/verdict, prints the scenario line
#                                  `scenario=NAME lost= duplicates= unaccounted= ... failed= EXTRA`; sets
#                                  REL_LOST, REL_DUPLICATES, REL_UNACCOUNTED, REL_FAILED (tokens
#                                  recorded `failed`); returns 1 when lost or unaccounted is above zero

REL_WORKER_ARGS=()
REL_GATEWAY_ARGS=()

rel_setup() {
    local name=$1
    REL_DIR="$REL_WORK/$name"
    mkdir -p "$REL_DIR"
    local db="rel_${name//-/_}"
    REL_URL="${PG_THROWAWAY_URL%/*}/$db"
    e2e_psql "$PG_THROWAWAY_URL" -c "CREATE DATABASE $db"
    "$PUSHWORKER" migrate --database-url "$REL_URL" </dev/null >"$REL_DIR/migrate.log" 2>&1 \
        || { cat "$REL_DIR/migrate.log" >&2; return 1; }
    local invalid_count
    invalid_count=$(awk -v n="$REL_TOKENS" -v f="$REL_INVALID" 'BEGIN { printf "%d", n * f + 0.5 }')
    e2e_log "$name: registering $REL_TOKENS tokens, $invalid_count invalid at the gateway"
    e2e_register_app "$REL_URL" reliability "$REL_WORK/certs" "${REL_TRANSPORT:-binary}"
    e2e_register_tokens "$REL_URL" reliability "$REL_TOKENS" "pushworker-reliability-"
    e2e_invalid_tokens "$REL_URL" reliability "$invalid_count" "$REL_DIR/invalid-tokens.txt"
    e2e_psql "$REL_URL" -c "VACUUM ANALYZE push.device_token"
    ln -s ../certs "$REL_DIR/certs"   # e2e_start_gateway reads DIR/certs
    local http2_args=()
    [ "${REL_TRANSPORT:-binary}" = binary ] || read -ra http2_args <<<"$(e2e_http2_gateway_args "$REL_DIR")"
    REL_GATEWAY_START=(--ledger "$REL_DIR/gateway-ledger.tsv" --reject-tokens-file "$REL_DIR/invalid-tokens.txt"
        --no-feedback "${http2_args[@]}" "${REL_GATEWAY_ARGS[@]}")
    e2e_start_gateway "$REL_DIR" "${REL_GATEWAY_START[@]}"
    if [ "${REL_TRANSPORT:-binary}" = http2 ]; then e2e_point_app "$REL_URL" reliability "$HTTP2_PORT"; else e2e_point_app "$REL_URL" reliability; fi
    REL_CAMPAIGN=$(e2e_psql "$REL_URL" -c "SELECT push.create_campaign('reliability', '{\"aps\":{\"alert\":\"reliability $name\"}}')")
    local enqueued
    enqueued=$(e2e_psql "$REL_URL" -c "SELECT push.enqueue_campaign($REL_CAMPAIGN)")
    [ "$enqueued" -eq "$REL_TOKENS" ] || { e2e_log "$name: enqueued $enqueued of $REL_TOKENS"; return 1; }
    e2e_psql "$REL_URL" -c "VACUUM ANALYZE push.job"
    e2e_log "$name: campaign $REL_CAMPAIGN enqueued ($enqueued tokens); gateway on port $GATEWAY_PORT"
}

# The ledger is opened for appending, so a restarted gateway adds to what the earlier one wrote;
# its log goes to gateway-<n>.log beside the first one's.
rel_restart_gateway() {
    local port=$GATEWAY_PORT
    REL_GATEWAY_STARTS=$(( ${REL_GATEWAY_STARTS:-1} + 1 ))
    mv "$REL_DIR/gateway.log" "$REL_DIR/gateway-$((REL_GATEWAY_STARTS - 1)).log"
    e2e_start_gateway "$REL_DIR" "${REL_GATEWAY_START[@]}" --port "$port"
}

rel_start_worker() {
    local id=$1; shift
    "$PUSHWORKER" run --database-url "$REL_URL" --worker-id "$id" --metrics-port 0 --exit-when-idle \
        --log-format text "${REL_WORKER_ARGS[@]}" "$@" </dev/null >>"$REL_DIR/worker-$id.log" 2>&1 &
    REL_PID=$!
    E2E_WORKER_PIDS+=("$REL_PID")
}

# Forgets PID (exited and waited for) so that e2e_cleanup does not try to stop it.
rel_forget_worker() {
    local pid=$1 kept=() other
    for other in "${E2E_WORKER_PIDS[@]}"; do [ "$other" = "$pid" ] || kept+=("$other"); done
    E2E_WORKER_PIDS=("${kept[@]}")
}

# The worker's PostgreSQL sessions are found by their client ports (ss lists the process's TCP
# connections to the cluster's port); counts those whose statement is still running.
rel_worker_backends_busy() {
    local pid=$1 ports
    ports=$(ss -tnpH state established "( dport = :$PG_THROWAWAY_PORT )" 2>/dev/null \
        | grep "pid=$pid," | awk '{ n = split($3, a, ":"); print a[n] }' | paste -sd, -)
    [ -n "$ports" ] || { echo 0; return; }
    e2e_psql "$REL_URL" -c "SELECT count(*) FROM pg_stat_activity WHERE client_port IN ($ports) AND state = 'active'"
}

rel_done() {
    e2e_psql "$REL_URL" -c "SELECT count(*) FROM push.outcome WHERE campaign_id = $REL_CAMPAIGN"
}

rel_done_or_empty() {
    e2e_psql "$REL_URL" -c "SELECT count(*) FROM push.outcome WHERE campaign_id = $REL_CAMPAIGN" 2>/dev/null || true
}

rel_wait_done() {
    local name=$1 target=$2 limit=$3 deadline=$((SECONDS + $3))
    REL_DONE=0
    while [ "$REL_DONE" -lt "$target" ]; do
        [ $SECONDS -lt $deadline ] || { e2e_log "$name: FAILED: fewer than $target outcomes after $limit s"; return 1; }
        sleep 0.1
        REL_DONE=$(rel_done)
    done
}

rel_log_sum() {
    local text=$1 key=$2; shift 2
    cat "$@" | { grep -F -- "$text" || true; } | sed -n "s/.*[ :]$key=\([0-9]*\).*/\1/p" | awk '{ s += $1 } END { print s + 0 }'
}

rel_wait_workers() {
    local name=$1 limit=$2 worker failed=0; shift 2
    for worker in "$@"; do
        rel_wait_exit "${worker#*=}" "$limit"
        [ "$REL_STATUS" -ne 0 ] || continue
        e2e_log "$name: FAILED: ${worker%%=*} exited with status $REL_STATUS"
        [ "$REL_STATUS" -ne 124 ] || e2e_stop_pid "${worker#*=}" 40 || true
        failed=1
    done
    return $failed
}

rel_now() { date +%s.%N; }
rel_seconds_since() { awk -v a="$1" -v b="$(rel_now)" 'BEGIN { printf "%.1f", b - a }'; }

rel_wait_exit() {
    local pid=$1 limit=$2 start; start=$(rel_now)
    local deadline=$((SECONDS + limit))
    while kill -0 "$pid" 2>/dev/null && [ "$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null)" != Z ]; do
        [ $SECONDS -lt $deadline ] || { REL_STATUS=124; REL_WAITED_S=$(rel_seconds_since "$start"); return 0; }
        sleep 0.05
    done
    REL_STATUS=0; wait "$pid" || REL_STATUS=$?
    REL_WAITED_S=$(rel_seconds_since "$start")
    rel_forget_worker "$pid"
}

rel_verdict() {
    local name=$1 extra=$2
    e2e_stop_gateway >/dev/null 2>&1 || true
    local verdict status=0
    verdict=$(scripts/verdict --database-url "$REL_URL" --ledger "$REL_DIR/gateway-ledger.tsv" \
        --invalid-tokens "$REL_DIR/invalid-tokens.txt" --campaign "$REL_CAMPAIGN") || status=$?
    echo "$verdict" | sed "s/^/$name: /" >&2
    [ "$status" -le 1 ] || { e2e_log "$name: the verdict could not be computed"; return 1; }
    local line; line=$(tail -n 1 <<<"$verdict")
    REL_LOST=$(sed -n 's/.* lost=\([0-9]*\).*/\1/p' <<<"$line")
    REL_DUPLICATES=$(sed -n 's/.* duplicates=\([0-9]*\).*/\1/p' <<<"$line")
    REL_UNACCOUNTED=$(sed -n 's/.* unaccounted=\([0-9]*\).*/\1/p' <<<"$line")
    REL_FAILED=$(grep '^verdict-detail' <<<"$verdict" | sed -n 's/.* failed=\([0-9]*\).*/\1/p')
    local accepted rejected
    accepted=$(sed -n 's/.* accepted=\([0-9]*\).*/\1/p' <<<"$line")
    rejected=$(sed -n 's/.* rejected=\([0-9]*\).*/\1/p' <<<"$line")
    echo "scenario=$name lost=$REL_LOST duplicates=$REL_DUPLICATES unaccounted=$REL_UNACCOUNTED" \
        "tokens=$REL_TOKENS accepted=$accepted rejected=$rejected failed=$REL_FAILED $extra load=$(cut -d' ' -f1 /proc/loadavg)"
    [ "$REL_LOST" -eq 0 ] && [ "$REL_UNACCOUNTED" -eq 0 ]
}
