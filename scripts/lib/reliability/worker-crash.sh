# Scenario worker-crash: 3 workers with a short lease; worker 1 is killed with SIGKILL at 15 %,
# 40 % and 65 % of the campaign (each time once it holds a job) and restarted at once each time (under a new worker id, as the
# default `<hostname>:<pid>` id would be; REL_CRASH_SAME_ID=1 restarts it under the same id).
#
# The bound of each kill: the worker is frozen (SIGSTOP), its PostgreSQL sessions are waited on
# until none runs a statement, and the tokens of the jobs leased to it are counted — outcomes are
# recorded per job, so each of those may have reached the gateway and will be sent again. Then
# SIGKILL. Duplicates must not exceed the sum of the bounds; lost and unaccounted must be 0; the
# jobs leased to the frozen worker must not exceed its --max-jobs (a job counts as held until its
# outcomes are written).
# Recovery, per kill: rescued_s = until no job is leased to the dead worker any more (lease lapse
# plus a housekeeping round of any worker); recovered_s = until every job it held is finished.
scenario_worker_crash() {
    local name=worker-crash workers=3 lease=10 max_jobs=16
    REL_WORKER_ARGS=(--lease "$lease" --max-jobs "$max_jobs")
    rel_setup "$name"
    local slot pids=() ids=() incarnation=a
    for ((slot = 1; slot <= workers; slot++)); do
        rel_start_worker "crash-$slot-a"
        pids+=("$REL_PID"); ids+=("crash-$slot-a")
    done
    local thresholds=(15 40 65) kills=0 failed=0 deadline=$((SECONDS + 1800))
    local kill_owner=() kill_jobs=() kill_at=() kill_bound=() rescued=() recovered=() kill_done=()
    local done pid k busy wait_until
    while :; do
        done=$(rel_done)
        # A kill waits for its share of the campaign and for the worker to hold a job: killing
        # a worker that holds nothing proves nothing.
        if [ "$kills" -lt ${#thresholds[@]} ] && [ "$done" -ge $((REL_TOKENS * thresholds[kills] / 100)) ] \
            && [ "$(e2e_psql "$REL_URL" -c "SELECT count(*) FROM push.job WHERE state = 'running' AND lease_owner = '${ids[0]}'")" -gt 0 ]; then
            pid=${pids[0]}
            kill -STOP "$pid"
            wait_until=$((SECONDS + 10))
            while busy=$(rel_worker_backends_busy "$pid") && [ "$busy" -gt 0 ] && [ $SECONDS -lt $wait_until ]; do sleep 0.02; done
            [ "$busy" -eq 0 ] || e2e_log "$name: WARNING: a session of the frozen worker still runs a statement; the bound may be off"
            local held
            held=$(e2e_psql "$REL_URL" -F ' ' -c "SELECT coalesce(sum(cardinality(token_ids)), 0), count(*), coalesce(array_agg(id)::text, '{}')
                FROM push.job WHERE state = 'running' AND lease_owner = '${ids[0]}'")
            kill -KILL "$pid"
            kill_at+=("$(rel_now)")
            wait "$pid" 2>/dev/null || true
            rel_forget_worker "$pid"
            kill_owner+=("${ids[0]}"); kill_bound+=("${held%% *}"); kill_jobs+=("${held##* }"); kill_done+=("$done")
            rescued+=(""); recovered+=("")
            e2e_log "$name: kill $((kills + 1)): SIGKILL ${ids[0]} at $done of $REL_TOKENS done; it held $(cut -d' ' -f2 <<<"$held") jobs, ${held%% *} tokens (the bound)"
            if [ "$(cut -d' ' -f2 <<<"$held")" -gt "$max_jobs" ]; then
                e2e_log "$name: FAILED: the killed worker held more jobs than --max-jobs $max_jobs"
                failed=1
            fi
            kills=$((kills + 1))
            incarnation=$(tr 'a-y' 'b-z' <<<"$incarnation")
            [ -n "${REL_CRASH_SAME_ID:-}" ] || ids[0]="crash-1-$incarnation"
            rel_start_worker "${ids[0]}"
            pids[0]=$REL_PID
            e2e_log "$name: restarted worker 1 as ${ids[0]}"
        fi
        for k in "${!kill_owner[@]}"; do
            if [ -z "${rescued[$k]}" ] && [ "$(e2e_psql "$REL_URL" -c "SELECT count(*) FROM push.job WHERE state = 'running' AND lease_owner = '${kill_owner[$k]}'")" -eq 0 ]; then
                rescued[$k]=$(rel_seconds_since "${kill_at[$k]}")
            fi
            if [ -z "${recovered[$k]}" ] && [ "$(e2e_psql "$REL_URL" -c "SELECT count(*) FROM push.job WHERE id = ANY ('${kill_jobs[$k]}'::bigint[])")" -eq 0 ]; then
                recovered[$k]=$(rel_seconds_since "${kill_at[$k]}")
                e2e_log "$name: kill $((k + 1)): rescued after ${rescued[$k]} s, every job it held finished after ${recovered[$k]} s"
            fi
        done
        local running=0
        for slot in "${!pids[@]}"; do
            pid=${pids[$slot]}
            [ -n "$pid" ] || continue
            if kill -0 "$pid" 2>/dev/null && [ "$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null)" != Z ]; then
                running=$((running + 1))
            else
                local status=0; wait "$pid" || status=$?
                rel_forget_worker "$pid"; pids[$slot]=""
                [ "$status" -eq 0 ] || { e2e_log "$name: FAILED: ${ids[$slot]} exited with status $status"; failed=1; }
            fi
        done
        if [ "$running" -eq 0 ]; then
            [ "$kills" -eq ${#thresholds[@]} ] || { e2e_log "$name: FAILED: the campaign ended after $kills kills (too few tokens? 3 workers hold up to 48,000 at once)"; failed=1; }
            break
        fi
        [ $SECONDS -lt $deadline ] || { e2e_log "$name: FAILED: workers still running after 1800 s"; return 1; }
        sleep 0.2
    done
    local bound=0 per_kill="" slowest=0
    for k in "${!kill_owner[@]}"; do
        bound=$((bound + kill_bound[k]))
        per_kill+="${per_kill:+,}${kill_bound[$k]}@${kill_done[$k]}:${rescued[$k]:-never}s/${recovered[$k]:-never}s"
        [ -n "${recovered[$k]}" ] || { e2e_log "$name: FAILED: the jobs of kill $((k + 1)) never finished"; failed=1; }
        slowest=$(awk -v a="$slowest" -v b="${recovered[$k]:-0}" 'BEGIN { print (b > a ? b : a) }')
    done
    rel_verdict "$name" "bound=$bound kills=$kills recover_s_max=$slowest lease_s=$lease per_kill=$per_kill" || failed=1
    [ "$REL_DUPLICATES" -le "$bound" ] || { e2e_log "$name: FAILED: $REL_DUPLICATES duplicates exceed the bound $bound"; failed=1; }
    REL_WORKER_ARGS=()
    return $failed
}
