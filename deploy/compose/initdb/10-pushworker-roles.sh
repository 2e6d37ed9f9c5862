#!/bin/bash
# Runs once, when the PostgreSQL container initialises its data folder, as the superuser `push`
# (the owner of the push schema: it runs `pushworker migrate` and `pushworker prune`).
# Creates the three group roles of migration 006 (migrate then only grants) and the login roles
# the services use, with the passwords the `secrets` service generated.
set -euo pipefail
secrets=/run/pushworker/secrets
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v worker_password="$(cat "$secrets/worker-password")" \
    -v reporter_password="$(cat "$secrets/reporter-password")" <<'SQL'
CREATE ROLE pushworker_worker NOLOGIN;
CREATE ROLE pushworker_enqueuer NOLOGIN;
CREATE ROLE pushworker_reporter NOLOGIN;
CREATE ROLE push_worker LOGIN PASSWORD :'worker_password' IN ROLE pushworker_worker;
CREATE ROLE push_reporter LOGIN PASSWORD :'reporter_password' IN ROLE pushworker_reporter;
-- reports never hold a snapshot for long, whatever client they come from
ALTER ROLE push_reporter SET statement_timeout = '30s';
SQL
