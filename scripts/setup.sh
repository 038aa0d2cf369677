#!/usr/bin/env bash
# Prepares a fresh Debian/Ubuntu machine with Node.js 20 to run Vigil on the embedded
# default: installs redis-server (the one OS package it needs), the npm dependencies from
# the lock file, and builds the server, simulators and dashboard.
# With --test it also installs and starts what the test suite needs (PostgreSQL, Redis,
# Mosquitto).
set -euo pipefail
cd "$(dirname "$0")/.."

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if ((node_major < 20)); then
  echo "Vigil needs Node.js 20 or later (found: $(node --version 2>/dev/null || echo none))." >&2
  echo "Install it from https://nodejs.org or your distribution, then run this again." >&2
  exit 1
fi

if ! command -v redis-server >/dev/null 2>&1; then
  if [[ $(id -u) == 0 ]]; then
    echo "installing redis-server"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server
  else
    echo "Vigil's embedded default needs redis-server. Install it with:" >&2
    echo "    sudo apt-get install -y redis-server" >&2
    echo "or set REDIS_URL to an existing Redis, then run this again." >&2
    exit 1
  fi
fi

if [[ "${1:-}" == "--test" ]]; then
  scripts/services.sh --install
fi

npm ci --no-audit --no-fund
npm run build
