#!/usr/bin/env bash
# The main job, end to end on this machine: CRM sandbox → sync → personas → publish → the
# customer view → a change in the CRM → re-segmentation → write-back, then touchpoints, treatments
# and a strategy with contact policies, a burst of touchpoint events decided and delivered as
# signed webhooks to a receiver the demo runs itself, with a readable summary.
#   npm run demo            (or: bash scripts/demo.sh)
# Everything runs locally: a fresh `corridor_demo` database, Redis keys under `corridor-demo`,
# the sandbox on :4110, the API on :3100, two worker processes. Logs land in .demo/.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! pg_isready -h 127.0.0.1 -q; then pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start; fi
if ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
fi
for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -q && redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break; sleep 1; done

[[ -d node_modules ]] || npm ci --no-audit --no-fund
echo "building…"
npm run --silent build

export NODE_ENV=development
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/corridor_demo"
export REDIS_PREFIX="corridor-demo"
export PORT=3100
export PUBLIC_URL="http://127.0.0.1:${PORT}"
export LOG_LEVEL=info
export SEGMENTATION_REFRESH_CRON=""
# The demo's signed-webhook receiver listens on loopback, which destinations may only use when allowed.
export DESTINATION_ALLOWED_HOSTS="127.0.0.1"
SANDBOX_URL="http://127.0.0.1:4110"
mkdir -p .demo
pids=()
cleanup() { for p in "${pids[@]:-}"; do [[ -n "$p" ]] && kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

echo "fresh database and Redis keys…"
psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS corridor_demo WITH (FORCE)" postgres
redis-cli -h 127.0.0.1 --scan --pattern "${REDIS_PREFIX}*" | xargs -r redis-cli -h 127.0.0.1 unlink >/dev/null
npm run --silent migration:run > .demo/migrate.log

SANDBOX_PORT=4110 SANDBOX_HUBSPOT_CONTACTS=10000 SANDBOX_SALESFORCE_CONTACTS=3000 SANDBOX_SALESFORCE_LEADS=1000 \
  node dist/apps/crm-sandbox/src/main.js > .demo/sandbox.log 2>&1 & pids+=($!)
node dist/apps/api/src/main.js > .demo/api.log 2>&1 & pids+=($!)
node dist/apps/worker/src/main.js > .demo/worker-1.log 2>&1 & pids+=($!)
node dist/apps/worker/src/main.js > .demo/worker-2.log 2>&1 & pids+=($!)

ADMIN_KEY="$(npm run --silent corridor -- keys create --role admin --name demo | tail -n 1)"
AGENT_KEY="$(npm run --silent corridor -- keys create --role agent --name demo-agent | tail -n 1)"

API_URL="http://127.0.0.1:${PORT}" SANDBOX_URL="$SANDBOX_URL" ADMIN_KEY="$ADMIN_KEY" AGENT_KEY="$AGENT_KEY" \
  node dist/scripts/demo/main.js
