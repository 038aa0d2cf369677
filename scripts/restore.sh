#!/usr/bin/env bash
# Restores a backup written by scripts/backup.sh into an existing, empty database (create it
# first, e.g. `createdb vigil` or `CREATE DATABASE vigil`). Stop every Vigil server first.
#
#   DATABASE_URL=postgres://user:pass@host:5432/vigil scripts/restore.sh vigil-2026-12-01.dump
#
# A dump that holds the TimescaleDB extension is restored the way TimescaleDB requires:
# the extension is created first (the same version as in the dump: restore on the same
# TimescaleDB version, upgrade afterwards), timescaledb_pre_restore() stops its background
# workers and puts it in restore mode, pg_restore runs, timescaledb_post_restore() ends restore
# mode. A plain PostgreSQL dump is restored with pg_restore alone, stopping at the first error.
set -euo pipefail

file="${1:-}"
if [[ -z "$file" || "$file" == -* || ! -f "$file" ]]; then
  echo "usage: DATABASE_URL=postgres://... $0 <file.dump>  (an existing backup file)" >&2
  exit 2
fi
: "${DATABASE_URL:?set DATABASE_URL to the (empty) database to restore into}"

psql_q() { psql --no-psqlrc --no-password --quiet --tuples-only --no-align --set=ON_ERROR_STOP=1 --dbname="$DATABASE_URL" "$@"; }

tables=$(psql_q -c "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') AND schemaname NOT LIKE '\_timescaledb%'")
if [[ "$tables" != "0" ]]; then
  echo "restore: the target database is not empty ($tables tables); restore into a new, empty database" >&2
  exit 1
fi

if pg_restore --list "$file" | grep -qE '^[0-9]+; [0-9]+ [0-9]+ EXTENSION - timescaledb( |$)'; then
  echo "restoring a TimescaleDB backup (timescaledb_pre_restore / post_restore)"
  psql_q -c 'CREATE EXTENSION IF NOT EXISTS timescaledb' -c 'SELECT timescaledb_pre_restore()' >/dev/null
  # Restore mode ends whatever happens; the dump's own CREATE EXTENSION IF NOT EXISTS is a no-op.
  # No --jobs: a parallel restore breaks TimescaleDB's catalogue (TimescaleDB's documentation).
  trap "psql_q -c 'SELECT timescaledb_post_restore()' >/dev/null" EXIT
  pg_restore --no-owner --no-password --exit-on-error --dbname="$DATABASE_URL" "$file"
else
  pg_restore --no-owner --no-password --exit-on-error --single-transaction --dbname="$DATABASE_URL" "$file"
fi
echo "restored $file"
