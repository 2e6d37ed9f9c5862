# Throwaway PostgreSQL clusters for tests, benchmarks and the demo.
# Source this file; it defines functions only.
#
#   pg_ensure_installed          installs the server from Debian when initdb is missing
#   pg_start_throwaway           starts a private cluster, exports PG_THROWAWAY_URL, stops it on exit
#   pg_stop_throwaway            stops that cluster (by its own data folder) and removes it
#   pg_throwaway_ctl ACTION      stop | start | restart that cluster in place (fast shutdown, same
#                                port and settings, data kept): for tests of a database outage
#
# The cluster runs as the `postgres` system user (initdb refuses root), listens on 127.0.0.1 on a
# free port with its own socket folder, and never touches any other cluster on the machine.

pg_bin_dir() {
    local dir
    for dir in /usr/lib/postgresql/*/bin; do
        [ -x "$dir/initdb" ] && { echo "$dir"; return 0; }
    done
    return 1
}

pg_ensure_installed() {
    if pg_bin_dir >/dev/null && command -v psql >/dev/null; then return 0; fi
    echo "postgres: server not found, installing it with apt-get" >&2
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >&2
    pg_bin_dir >/dev/null || { echo "postgres: installation did not provide initdb" >&2; return 1; }
}

# Runs a PostgreSQL binary as the postgres user when we are root, directly otherwise.
pg_run() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_start_throwaway() {
    local bin; bin=$(pg_bin_dir) || { echo "postgres: initdb not found" >&2; return 1; }
    PG_THROWAWAY_ROOT=$(mktemp -d /tmp/pushworker-pg.XXXXXX)
    chmod 755 "$PG_THROWAWAY_ROOT"
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$PG_THROWAWAY_ROOT"
    pg_run "$bin/initdb" -D "$PG_THROWAWAY_ROOT/data" -U pushworker --auth=trust -E UTF8 \
        --locale=C.UTF-8 --no-sync >"$PG_THROWAWAY_ROOT/initdb.log" 2>&1 \
        || { cat "$PG_THROWAWAY_ROOT/initdb.log" >&2; return 1; }
    trap pg_stop_throwaway EXIT
    local attempt port
    for attempt in 1 2 3 4 5 6 7 8; do
        port=$(( 20000 + (RANDOM % 20000) ))
        PG_THROWAWAY_OPTIONS="-c listen_addresses=127.0.0.1 -p $port -k $PG_THROWAWAY_ROOT -c fsync=off \
                -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 \
                -c shared_buffers=512MB"
        if pg_run "$bin/pg_ctl" -D "$PG_THROWAWAY_ROOT/data" -l "$PG_THROWAWAY_ROOT/server.log" -w -t 30 \
            -o "$PG_THROWAWAY_OPTIONS" start >/dev/null 2>&1; then
            PG_THROWAWAY_PORT=$port
            export PG_THROWAWAY_URL="postgres://pushworker@127.0.0.1:$port/postgres"
            echo "postgres: throwaway cluster on port $port in $PG_THROWAWAY_ROOT" >&2
            return 0
        fi
    done
    echo "postgres: could not start a throwaway cluster; its log follows" >&2
    cat "$PG_THROWAWAY_ROOT/server.log" >&2
    return 1
}

pg_throwaway_ctl() {
    local action=$1 bin; bin=$(pg_bin_dir)
    [ -n "${PG_THROWAWAY_ROOT:-}" ] || { echo "postgres: no throwaway cluster to $action" >&2; return 1; }
    case "$action" in
        stop | start | restart) ;;
        *) echo "postgres: pg_throwaway_ctl stop|start|restart, not $action" >&2; return 1 ;;
    esac
    pg_run "$bin/pg_ctl" -D "$PG_THROWAWAY_ROOT/data" -l "$PG_THROWAWAY_ROOT/server.log" -w -t 60 -m fast \
        -o "$PG_THROWAWAY_OPTIONS" "$action" >/dev/null
}

pg_stop_throwaway() {
    [ -n "${PG_THROWAWAY_ROOT:-}" ] || return 0
    local bin; bin=$(pg_bin_dir)
    if [ -f "$PG_THROWAWAY_ROOT/data/postmaster.pid" ]; then
        pg_run "$bin/pg_ctl" -D "$PG_THROWAWAY_ROOT/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$PG_THROWAWAY_ROOT"
    PG_THROWAWAY_ROOT=""
}
