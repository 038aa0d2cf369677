#!/usr/bin/env bash
# Logical backup of Vigil's database: pg_dump in its custom format (compressed; pg_restore
# can restore it whole or in parts). Works on plain PostgreSQL and on TimescaleDB
# (hypertables, compressed chunks and continuous aggregates are dumped with their data).
#
#   DATABASE_URL=postgres://user:pass@host:5432/vigil scripts/backup.sh vigil-$(date +%F).dump
#
# The URL is read from the environment, not the command line, so its password does not show
# in `ps` or shell history. Use a pg_dump of the server's major version or newer (in Compose,
# run it in the timescaledb container: docs/operations.md, "Backups").
set -euo pipefail

file="${1:-}"
if [[ -z "$file" || "$file" == -* ]]; then
  echo "usage: DATABASE_URL=postgres://... $0 <file.dump>" >&2
  exit 2
fi
: "${DATABASE_URL:?set DATABASE_URL to the database to back up}"

# Written beside the target and renamed when complete: a failed dump never leaves a file
# that looks like a backup.
partial="$file.partial"
trap 'rm -f "$partial"' EXIT
pg_dump --format=custom --compress=6 --no-password --file="$partial" --dbname="$DATABASE_URL"
mv "$partial" "$file"
trap - EXIT
echo "backup written: $file ($(wc -c <"$file") bytes)"
