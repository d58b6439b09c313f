#!/usr/bin/env bash
# The README's test command: installs what the tests need, starts the local services if they are
# down, then runs lint, the Python suite on SQLite and on PostgreSQL, the web unit tests and the
# browser end-to-end test. With CI=true nothing is skipped: a missing service is an error.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export PYTHONDONTWRITEBYTECODE=1

step() { printf '\n==> %s\n' "$*"; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

step "services"
if ! port_open 5432; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
fi
if ! port_open 1883 && command -v mosquitto >/dev/null; then
  mosquitto -d -c /etc/mosquitto/mosquitto.conf || true
fi
if ! port_open 6379 && command -v redis-server >/dev/null; then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no || true
fi
for i in $(seq 1 30); do port_open 5432 && break; sleep 1; done
port_open 5432 || { echo "PostgreSQL is not reachable on 127.0.0.1:5432"; exit 1; }
if [ "${CI:-}" = "true" ]; then
  port_open 1883 || { echo "Mosquitto is not reachable on 127.0.0.1:1883"; exit 1; }
fi

step "python packages"
python3 -m pip install -q -e ".[dev]"

step "ruff"
ruff check src tests bench

step "mypy (the domain core)"
python3 -m mypy src/dualcarbon/core src/dualcarbon/tabular.py

step "pytest on SQLite"
python3 -m pytest -n 2 -q -p no:cacheprovider --db=sqlite

step "pytest on PostgreSQL"
python3 -m pytest -n 2 -q -p no:cacheprovider --db=postgresql

if [ -f web/package.json ]; then
  step "web: install, unit tests, build"
  if ! command -v chromium >/dev/null && [ ! -x /usr/bin/chromium ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk
  fi
  if ! fc-list 2>/dev/null | grep -qi "noto sans cjk"; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk || true
  fi
  (cd web && npm ci --no-audit --no-fund && npm run test && npm run build)
  step "web: end-to-end (Playwright + Debian Chromium)"
  (cd web && npm run e2e)
fi
echo
echo "all test stages passed"
