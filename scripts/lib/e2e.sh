# The end-to-end run shared by scripts/demo and `scripts/bench e2e`: release build, mock gateway,
# app row, tokens, worker processes and what they cost. Source this file (after postgres.sh); it
# defines functions only. Every process it starts is remembered by PID and stopped by e2e_cleanup.
#
#   e2e_build                      release build of `pushworker` into .build-release; sets PUSHWORKER
#                                  (PUSHWORKER_PREBUILT=PATH uses that binary instead of building)
#   e2e_make_certs DIR             the mock gateway's throwaway PKI (ca.pem, server*.pem, client.p12,
#                                  token-key.p8 with token-key-id.txt and team-id.txt)
#   e2e_register_app URL APP DIR [TRANSPORT]
#                                  inserts the app row: binary (default) with client.p12, passphrase
#                                  from the environment and the CA; http2 with token authentication
#                                  (token-key.p8, its key id and team id) and the CA
#   e2e_register_tokens URL APP N PREFIX
#                                  registers N deterministic 32-byte tokens through push.register_tokens
#   e2e_invalid_tokens URL APP COUNT FILE
#                                  writes COUNT of the app's tokens, spread over the audience, to FILE
#   e2e_start_gateway DIR ARGS...  starts the mock gateway on free ports; sets GATEWAY_PID, GATEWAY_PORT,
#                                  FEEDBACK_PORT and (with --http2-port 0 among ARGS) HTTP2_PORT; DIR
#                                  holds its log (certificates in DIR/certs)
#   e2e_http2_gateway_args DIR     prints the gateway flags for HTTP/2 with DIR/certs' token key
#   e2e_point_app URL APP [PORT]   points the app row at the running mock gateway (PORT: default
#                                  GATEWAY_PORT; give HTTP2_PORT for an http2 app)
#   e2e_stop_gateway               SIGTERM, waits for the exit (the ledger is flushed on exit)
#   e2e_run_workers W DIR ARGS...  runs W `pushworker run --exit-when-idle` processes to the end;
#                                  sets WORKERS_FAILED, WORKER_RSS_MB, WORKER_CPU_S, WORKERS_WALL_S;
#                                  with E2E_PERF_DATA=FILE, `perf record -g` samples the first worker
#   e2e_cleanup                    stops whatever is still running (workers, gateway)
#
# Worker RSS: the largest VmHWM (peak resident set) of any worker, read from /proc/PID/status
# every 100 ms while it runs; VmHWM never decreases, so the last reading is the peak up to at most
# 100 ms before the exit. Worker CPU: utime + stime from /proc/PID/stat, read the same way (the
# last 100 ms or less of each worker, its exit, is not counted).

E2E_P12_PASSPHRASE_ENV=PUSHWORKER_E2E_P12_PASSPHRASE
E2E_WORKER_PIDS=()
GATEWAY_PID=""

e2e_log() { echo "$(date -u +%H:%M:%S) $*" >&2; }

e2e_build() {
    if [ -n "${PUSHWORKER_PREBUILT:-}" ]; then
        # A release binary built elsewhere (its pushworker_JobQueue.resources/ beside it).
        [ -x "$PUSHWORKER_PREBUILT" ] || { echo "e2e: PUSHWORKER_PREBUILT=$PUSHWORKER_PREBUILT is not executable" >&2; return 1; }
        e2e_log "using the prebuilt $PUSHWORKER_PREBUILT"
        PUSHWORKER=$PUSHWORKER_PREBUILT
        return 0
    fi
    e2e_log "building pushworker (release, .build-release)"
    swift build -c release --scratch-path .build-release --product pushworker >&2
    PUSHWORKER="$(swift build -c release --scratch-path .build-release --show-bin-path)/pushworker"
}

e2e_make_certs() {
    local dir=$1
    export "$E2E_P12_PASSPHRASE_ENV"="e2e-$RANDOM$RANDOM"
    "$PUSHWORKER" mock-gateway certs --out "$dir" --p12-passphrase "${!E2E_P12_PASSPHRASE_ENV}" \
        --topic com.example.pushworker.demo >/dev/null
}

# psql with the settings every call here wants: no psqlrc, no password prompt, stop at the first
# error. SQL comes from -c, -f or a here-document on stdin.
e2e_psql() {
    local url=$1; shift
    psql "$url" -X -q -At -w -v ON_ERROR_STOP=1 "$@"
}

e2e_register_app() {
    local url=$1 app=$2 certs=$3 transport=${4:-binary}
    if [ "$transport" = http2 ]; then
        e2e_psql "$url" -v app="$app" -v p8="$certs/token-key.p8" -v ca="$certs/ca.pem" \
            -v key_id="$(cat "$certs/token-key-id.txt")" -v team_id="$(cat "$certs/team-id.txt")" <<'SQL' >/dev/null
INSERT INTO push.app (name, topic, environment, transport, auth, private_key_path, key_id, team_id, ca_file)
VALUES (:'app', 'com.example.pushworker.demo', 'sandbox', 'http2', 'token', :'p8', :'key_id', :'team_id', :'ca');
SQL
        return
    fi
    e2e_psql "$url" -v app="$app" -v p12="$certs/client.p12" -v ca="$certs/ca.pem" \
        -v pass_env="$E2E_P12_PASSPHRASE_ENV" <<'SQL' >/dev/null
INSERT INTO push.app (name, topic, environment, transport, certificate_path, passphrase_env, ca_file)
VALUES (:'app', 'com.example.pushworker.demo', 'sandbox', 'binary', :'p12', :'pass_env', :'ca');
SQL
}

e2e_register_tokens() {
    local url=$1 app=$2 count=$3 prefix=$4
    e2e_psql "$url" -v app="$app" -v count="$count" -v prefix="$prefix" <<'SQL' >/dev/null
SELECT sum(push.register_tokens(:'app', ARRAY(
           SELECT md5(:'prefix' || i) || md5(:'prefix' || -i)
           FROM generate_series(first, least(first + 99999, :count)) AS i)))
FROM generate_series(1, :count, 100000) AS first;
SQL
}

e2e_invalid_tokens() {
    local url=$1 app=$2 count=$3 file=$4
    e2e_psql "$url" -c "\\copy (SELECT encode(token, 'hex') FROM push.device_token WHERE app_id = push.app_id('$app') ORDER BY md5(token::text) LIMIT $count) TO '$file'" >/dev/null
}

e2e_start_gateway() {
    local dir=$1; shift
    "$PUSHWORKER" mock-gateway run --host 127.0.0.1 --port 0 --feedback-port 0 \
        --certificate "$dir/certs/server.pem" --key "$dir/certs/server-key.pem" --client-ca "$dir/certs/ca.pem" \
        "$@" </dev/null >"$dir/gateway.log" 2>&1 &
    GATEWAY_PID=$!
    local deadline=$((SECONDS + 30)) line=""
    while [ -z "$line" ]; do
        if ! kill -0 "$GATEWAY_PID" 2>/dev/null; then
            e2e_log "the mock gateway exited at start; its log follows"; cat "$dir/gateway.log" >&2
            GATEWAY_PID=""; return 1
        fi
        [ $SECONDS -lt $deadline ] || { e2e_log "the mock gateway did not start within 30 s"; return 1; }
        line=$(grep -m1 '^mock-gateway listening' "$dir/gateway.log" 2>/dev/null || true)
        [ -n "$line" ] || sleep 0.05
    done
    GATEWAY_PORT=$(sed -n 's/.* gateway=[^ ]*:\([0-9]*\).*/\1/p' <<<"$line")
    FEEDBACK_PORT=$(sed -n 's/.* feedback=[^ ]*:\([0-9]*\).*/\1/p' <<<"$line")
    HTTP2_PORT=$(sed -n 's/.* http2=[^ ]*:\([0-9]*\).*/\1/p' <<<"$line")
}

e2e_http2_gateway_args() {
    local certs=$1/certs
    echo --http2-port 0 --http2-auth token --token-key "$(cat "$certs/token-key-id.txt")=$certs/token-key.p8" \
        --team-id "$(cat "$certs/team-id.txt")"
}

e2e_point_app() {
    local url=$1 app=$2 port=${3:-$GATEWAY_PORT}
    e2e_psql "$url" -c "UPDATE push.app SET gateway_host = '127.0.0.1', gateway_port = $port,
        feedback_host = '127.0.0.1', feedback_port = ${FEEDBACK_PORT:-NULL} WHERE name = '$app'" >/dev/null
}

# Sends SIGTERM to PID and waits up to SECONDS for it to exit, then SIGKILL. Returns its status.
e2e_stop_pid() {
    local pid=$1 grace=$2 status=0
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + grace))
    while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.05; done
    if kill -0 "$pid" 2>/dev/null; then
        e2e_log "process $pid did not stop within $grace s; killing it"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || status=$?
    return $status
}

e2e_stop_gateway() {
    [ -n "$GATEWAY_PID" ] || return 0
    local pid=$GATEWAY_PID
    GATEWAY_PID=""
    e2e_stop_pid "$pid" 15
}

# Reads the state, VmHWM (KiB) and utime+stime (clock ticks) of a process into PROC_STATE, HWM_KB
# and CPU_TICKS. Returns 1 when it is gone; a zombie (exited, not yet waited for) has state Z and
# no memory figures.
e2e_sample() {
    local pid=$1 key value rest fields
    HWM_KB=0 CPU_TICKS=0 PROC_STATE=""
    read -ra fields 2>/dev/null <"/proc/$pid/stat" || return 1
    PROC_STATE=${fields[2]}
    CPU_TICKS=$((fields[13] + fields[14]))
    while read -r key value rest; do
        [ "$key" = "VmHWM:" ] && { HWM_KB=$value; break; }
    done 2>/dev/null <"/proc/$pid/status" || true
}

e2e_run_workers() {
    local count=$1 dir=$2; shift 2
    local timeout=${E2E_WORKER_TIMEOUT:-900} started=$SECONDS index pid
    local -A hwm=() ticks=()
    local start_ns; start_ns=$(date +%s%N)
    E2E_WORKER_PIDS=()
    for ((index = 1; index <= count; index++)); do
        "$PUSHWORKER" run --worker-id "e2e-worker-$index" --metrics-port 0 --exit-when-idle "$@" \
            </dev/null >"$dir/worker-$index.log" 2>&1 &
        E2E_WORKER_PIDS+=("$!")
    done
    local perf_pid=""
    if [ -n "${E2E_PERF_DATA:-}" ]; then
        perf record -F 499 -g -o "$E2E_PERF_DATA" -p "${E2E_WORKER_PIDS[0]}" >/dev/null 2>&1 &
        perf_pid=$!
    fi
    local running=("${E2E_WORKER_PIDS[@]}") still status
    WORKERS_FAILED=0
    while [ ${#running[@]} -gt 0 ]; do
        still=()
        for pid in "${running[@]}"; do
            if e2e_sample "$pid" && [ "$PROC_STATE" != Z ]; then
                [ "$HWM_KB" -gt "${hwm[$pid]:-0}" ] && hwm[$pid]=$HWM_KB
                ticks[$pid]=$CPU_TICKS
                still+=("$pid")
            else
                [ "$CPU_TICKS" -gt "${ticks[$pid]:-0}" ] && ticks[$pid]=$CPU_TICKS
                status=0; wait "$pid" || status=$?
                [ "$status" -eq 0 ] || { e2e_log "worker $pid exited with status $status"; WORKERS_FAILED=$((WORKERS_FAILED + 1)); }
            fi
        done
        running=("${still[@]}")
        [ ${#running[@]} -gt 0 ] || break
        if [ $((SECONDS - started)) -ge "$timeout" ]; then
            e2e_log "workers still running after $timeout s; stopping them"
            for pid in "${running[@]}"; do e2e_stop_pid "$pid" 40 || true; done
            WORKERS_FAILED=$((WORKERS_FAILED + ${#running[@]}))
            break
        fi
        [ -z "${E2E_PROGRESS:-}" ] || "$E2E_PROGRESS"
        sleep 0.1
    done
    [ -z "$perf_pid" ] || wait "$perf_pid" || true
    WORKERS_WALL_S=$(awk -v a="$start_ns" -v b="$(date +%s%N)" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
    local max_kb=0 total_ticks=0
    for pid in "${E2E_WORKER_PIDS[@]}"; do
        [ "${hwm[$pid]:-0}" -gt "$max_kb" ] && max_kb=${hwm[$pid]}
        total_ticks=$((total_ticks + ${ticks[$pid]:-0}))
    done
    E2E_WORKER_PIDS=()
    WORKER_RSS_MB=$(( (max_kb + 512) / 1024 ))
    WORKER_CPU_S=$(awk -v t="$total_ticks" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t / hz }')
}

e2e_cleanup() {
    local pid
    for pid in "${E2E_WORKER_PIDS[@]}"; do e2e_stop_pid "$pid" 40 || true; done
    E2E_WORKER_PIDS=()
    e2e_stop_gateway >/dev/null 2>&1 || true
}
