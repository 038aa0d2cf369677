#!/usr/bin/env bash
# Starts the services the integration tests use, where they are installed but not running:
# PostgreSQL (127.0.0.1:5432), Redis (127.0.0.1:6379) and Mosquitto (127.0.0.1:1883).
# With --install (as root, Debian/Ubuntu) it first installs what is missing with apt-get,
# including Chromium for the browser (e2e) tests.
set -euo pipefail

install=false
[[ "${1:-}" == "--install" ]] && install=true

have() { command -v "$1" >/dev/null 2>&1; }
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
as_root() { if [[ $(id -u) == 0 ]]; then "$@"; elif have sudo; then sudo "$@"; else return 1; fi; }

if $install; then
  missing=()
  have pg_ctlcluster || missing+=(postgresql)
  have redis-server || missing+=(redis-server)
  have mosquitto || missing+=(mosquitto mosquitto-clients)
  [[ -x /usr/bin/chromium ]] || missing+=(chromium)
  if ((${#missing[@]})); then
    echo "installing ${missing[*]}"
    as_root apt-get update -qq && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" || {
      echo "could not install ${missing[*]}; run: sudo apt-get install -y ${missing[*]}" >&2
      exit 1
    }
  fi
fi

wait_for() { # port name
  for _ in $(seq 1 50); do listening "$1" && return 0; sleep 0.2; done
  echo "$2 did not start on port $1" >&2
  return 1
}

if ! listening 5432; then
  echo "starting PostgreSQL"
  as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start
  wait_for 5432 PostgreSQL
fi
if ! listening 6379; then
  echo "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  wait_for 6379 Redis
fi
if ! listening 1883; then
  echo "starting Mosquitto"
  as_root mosquitto -d -c /etc/mosquitto/mosquitto.conf
  wait_for 1883 Mosquitto
fi
echo "PostgreSQL, Redis and Mosquitto are running"
