# Scenario database-restart: PostgreSQL goes away twice under 3 workers — `pg_ctl restart` (fast
# shutdown: every session is cut, running statements roll back) at 25 % of the campaign, and a
# 20-second outage (stop, 20 s, start) at 60 %. The gateway stays up throughout.
#
# The workers must ride both out: each exits 0, nothing lost, unaccounted 0, no token `failed`,
# and duplicates 0 — an outage shorter than the lease (60 s) must not let a lease lapse, and the
# outcomes a worker could not write while the database was away must be written once it is
# back, not dropped (a dropped report leaves its job leased until the lease lapses, and the next
# claimer sends every token of it again: duplicates).
#
# REL_DB_LEASE=N runs the workers with --lease N (default 60): below the outage, leases lapse
# while the database is away (see docs/reliability.md, Findings).
#
# Per fault: down_s, from the fault until the database accepts connections again; recorded_s,
# until the first outcome recorded after it; recovered_s, until an outcome of a job the workers
# did not yet hold at the fault is recorded (claims work again and their results are written).
scenario_database_restart() {
    local name=database-restart workers=3 outage=20 lease=${REL_DB_LEASE:-60}
    REL_WORKER_ARGS=(--lease "$lease")
    rel_setup "$name"
    local index workers_started=()
    for ((index = 1; index <= workers; index++)); do
        rel_start_worker "db-$index"
        workers_started+=("db-$index=$REL_PID")
    done
    local faults=(restart outage) thresholds=(25 60) k failed=0 per_fault="" slowest=0
    for k in "${!faults[@]}"; do
        rel_wait_done "$name" $((REL_TOKENS * thresholds[k] / 100)) 900
        local held done deadline
        held=$(e2e_psql "$REL_URL" -c "SELECT coalesce(sum(cardinality(token_ids)), 0) FROM push.job WHERE state = 'running'")
        done=$(rel_done)
        local started; started=$(rel_now)
        case "${faults[$k]}" in
            restart)
                e2e_log "$name: pg_ctl restart at $done of $REL_TOKENS done ($held tokens leased)"
                pg_throwaway_ctl restart
                ;;
            outage)
                e2e_log "$name: pg_ctl stop at $done of $REL_TOKENS done ($held tokens leased); start again in $outage s"
                pg_throwaway_ctl stop
                sleep "$outage"
                pg_throwaway_ctl start
                ;;
        esac
        local down_s; down_s=$(rel_seconds_since "$started")
        local recorded_s="" recovered_s="" now_done
        deadline=$((SECONDS + 300))
        while [ -z "$recovered_s" ]; do
            [ $SECONDS -lt $deadline ] || { e2e_log "$name: FAILED: no outcome of a new claim within 300 s after the ${faults[$k]}"; failed=1; break; }
            now_done=$(rel_done_or_empty)
            if [ -n "$now_done" ]; then
                [ -n "$recorded_s" ] || [ "$now_done" -le "$done" ] || recorded_s=$(rel_seconds_since "$started")
                # Past what was done or leased at the fault: a job claimed after it was recorded.
                if [ "$now_done" -gt $((done + held)) ] || [ "$now_done" -ge "$REL_TOKENS" ]; then
                    recovered_s=$(rel_seconds_since "$started")
                fi
            fi
            [ -n "$recovered_s" ] || sleep 0.1
        done
        e2e_log "$name: ${faults[$k]}: database back after $down_s s, first outcome after ${recorded_s:-never} s, new claims recorded after ${recovered_s:-never} s"
        per_fault+="${per_fault:+,}${faults[$k]}@$done:${down_s}s/${recorded_s:-never}s/${recovered_s:-never}s"
        slowest=$(awk -v a="$slowest" -v b="${recovered_s:-0}" 'BEGIN { print (b > a ? b : a) }')
    done
    rel_wait_workers "$name" 900 "${workers_started[@]}" || failed=1
    REL_WORKER_ARGS=()
    rel_verdict "$name" "workers=$workers lease_s=$lease outage_s=$outage recover_s_max=$slowest per_fault=$per_fault" || failed=1
    [ "$REL_DUPLICATES" -eq 0 ] || { e2e_log "$name: FAILED: $REL_DUPLICATES duplicates, 0 allowed"; failed=1; }
    [ "$REL_FAILED" -eq 0 ] || { e2e_log "$name: FAILED: $REL_FAILED tokens recorded failed, 0 allowed"; failed=1; }
    return $failed
}
